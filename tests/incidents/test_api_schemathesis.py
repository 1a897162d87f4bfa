"""Property-based run of the whole API against a live server, as an authenticated analyst.

Schemathesis reads the OpenAPI schema the server publishes, generates requests
for every operation (valid ones and malformed ones) and checks that none gives
a 5xx and that every response matches the schema. The number of examples is
kept small so the run takes a minute or two; raise API_FUZZ_EXAMPLES locally
for a deeper search.

Each operation is driven through Hypothesis directly (`as_strategy`) rather
than through Schemathesis's pytest plugin, which does not run under pytest 9.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

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

MAX_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "8"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def analyst_token(transactional_db, analyst) -> str:
    """An analyst's token, and a small world for the generated requests to find."""
    kyiv = RegionFactory()
    source = SourceFactory()
    attack = AttackFactory()
    attack.regions.set([kyiv])
    attack.sources.set([source])
    WeaponUseFactory(attack=attack)
    DamageFactory(attack=attack, facility=FacilityFactory(region=kyiv))
    OutageReportFactory(region=kyiv, attack=attack)
    ResponseMeasureFactory(region=kyiv, attack=attack)
    return Token.objects.create(user=analyst).key


def test_the_api_gives_no_server_error_and_conforms_to_its_schema(live_server, analyst_token):
    headers = {"Authorization": f"Token {analyst_token}"}
    # The schema follows the API's read rule: without PUBLIC_READ it needs a login too.
    schema = schemathesis.openapi.from_url(
        f"{live_server.url}/api/schema/?format=json", headers=headers
    )
    failures: dict[str, str] = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                derandomize=True,
                database=None,
            )
            def exercise(case) -> None:
                # One user hammers the API here; throttling has its own test.
                cache.clear()
                case.call_and_validate(base_url=live_server.url, headers=headers, checks=CHECKS)

            try:
                exercise()
            except Unsatisfiable:
                # Some operations have nothing that can be made invalid (no parameters).
                continue
            except (AssertionError, BaseExceptionGroup) as exc:
                # Schemathesis reports failed checks as an exception group; collect them all.
                failures[f"{operation.label} ({mode.value})"] = str(exc)[:2000]
    assert operations >= 30
    assert not failures, "\n\n".join(f"{name}:\n{text}" for name, text in failures.items())
