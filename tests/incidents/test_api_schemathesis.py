"""Property-based run of the whole API against a live server, as an authenticated analyst.

Schemathesis reads the OpenAPI schema the server publishes and runs its phases: the
schema's examples, random valid and invalid requests, and stateful sequences that follow
the links between operations (POST /attacks/ gives an id that GET, PATCH, PUT and DELETE
/attacks/{id}/ take). Every check is on: no 5xx, status codes, content types, headers and
bodies as documented, valid data accepted and invalid data refused, a created record
found again, a deleted one gone, and the rest. It must find nothing.

The CLI runs in a subprocess (its pytest plugin does not run under pytest 9), with
schemathesis.toml at the repository's root. The default is small, to take about a minute:
API_FUZZ_EXAMPLES (examples per operation, default 5) and API_FUZZ_PHASES (default
examples,fuzzing,stateful) raise it; `make fuzz` runs 100 examples and adds the coverage
phase (every parameter's edge values, some thousands of requests).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle

from tests.conftest import REPO
from tests.factories import (
    AttackFactory,
    DamageFactory,
    FacilityFactory,
    OutageReportFactory,
    RegionFactory,
    ResponseMeasureFactory,
    SourceFactory,
    WeaponUseFactory,
)

MAX_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "5"))
PHASES = os.environ.get("API_FUZZ_PHASES", "examples,fuzzing,stateful")
SCHEMATHESIS = Path(sys.executable).with_name("st")


@pytest.fixture
def analyst_token(django_db_reset_sequences, analyst) -> str:
    """An analyst's token, and the small world schemathesis.toml refers to by id."""
    kyiv = RegionFactory()
    source = SourceFactory()
    attack = AttackFactory()
    attack.regions.set([kyiv])
    attack.sources.set([source])
    WeaponUseFactory(attack=attack)
    DamageFactory(attack=attack, facility=FacilityFactory(region=kyiv))
    OutageReportFactory(region=kyiv, attack=attack)
    ResponseMeasureFactory(region=kyiv, attack=attack)
    spare = FacilityFactory(region=kyiv, name="Kyiv CHP-6")  # no damage yet: one can be added
    assert (kyiv.code, source.pk, attack.pk, spare.pk) == ("UA-30", 1, 1, 2)
    return Token.objects.create(user=analyst).key


def test_the_api_keeps_the_promises_of_its_schema(
    live_server, analyst_token, monkeypatch, tmp_path
):
    # One user sends a thousand requests here; throttling has its own tests.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": None, "anon": None})
    command = [
        str(SCHEMATHESIS),
        "--no-color",
        "run",
        f"{live_server.url}/api/schema/?format=json",
        "--header",
        f"Authorization: Token {analyst_token}",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--phases",
        PHASES,
        "--workers",
        "1",
    ]
    run = subprocess.run(  # noqa: S603  (the venv's own st, arguments from the test)
        command, cwd=REPO, capture_output=True, text=True, timeout=3600
    )
    (tmp_path / "schemathesis.txt").write_text(run.stdout + run.stderr)
    summary = run.stdout[run.stdout.rfind("=== SUMMARY ===") :]
    print(summary)
    assert run.returncode == 0, (
        f"schemathesis found failures (whole report: {tmp_path / 'schemathesis.txt'}):\n"
        + run.stdout[-30000:]
        + run.stderr[-3000:]
    )
    assert " 0 generated" not in summary
