"""Production settings: `check --deploy` is clean, and HTTPS is enforced unless told otherwise.

Each test starts the project in a fresh process with a production environment,
as a deployment would, since settings are read once at start-up.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys

import pytest

from infra_tracker.env import read_dotenv
from tests.conftest import REPO

CHECK_SETTINGS = """
import json
import django
from django.conf import settings
django.setup()
from django.test import RequestFactory
forged = RequestFactory().get("/", HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({
    "hsts_seconds": settings.SECURE_HSTS_SECONDS,
    "hsts_include_subdomains": settings.SECURE_HSTS_INCLUDE_SUBDOMAINS,
    "hsts_preload": settings.SECURE_HSTS_PRELOAD,
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "forwarded_https_counts": forged.is_secure(),
    "secure_cookies": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE],
    "x_frame_options": settings.X_FRAME_OPTIONS,
    "referrer_policy": settings.SECURE_REFERRER_POLICY,
}))
"""


def production_environment(**overrides: str) -> dict[str, str]:
    """What a production deployment sets, and nothing from the developer's .env.

    Every variable the .env file sets is blanked (a blank value means the default),
    so the process sees the defaults a production deployment starts from.
    """
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        **dict.fromkeys(read_dotenv(REPO / ".env"), ""),
        "DJANGO_SETTINGS_MODULE": "infra_tracker.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "tracker.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://tracker.example.org",
        "CACHE_URL": "redis://127.0.0.1:6379/1",
        **overrides,
    }


def run(arguments: list[str], environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - the project's own interpreter and manage.py.
        [sys.executable, *arguments],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production_settings(**overrides: str) -> dict:
    result = run(["-c", CHECK_SETTINGS], production_environment(**overrides))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_with_production_settings_reports_nothing_but_silenced_checks():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_environment()
    )

    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 0, output
    assert re.fullmatch(r"System check identified no issues \(\d+ silenced\)\.", output), output


def test_production_sends_everything_over_https_by_default():
    assert production_settings() == {
        "hsts_seconds": 31_536_000,
        "hsts_include_subdomains": True,
        "hsts_preload": False,
        "ssl_redirect": True,
        "forwarded_https_counts": False,
        "secure_cookies": [True, True],
        "x_frame_options": "DENY",
        "referrer_policy": "same-origin",
    }


def test_x_forwarded_proto_is_believed_only_behind_a_trusted_proxy():
    assert production_settings(TRUSTED_PROXY="true")["forwarded_https_counts"] is True
    assert production_settings(TRUSTED_PROXY="false")["forwarded_https_counts"] is False


def test_hsts_comes_from_the_environment():
    configured = production_settings(
        SECURE_HSTS_SECONDS="600",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="false",
        SECURE_HSTS_PRELOAD="true",
    )
    assert (
        configured["hsts_seconds"],
        configured["hsts_include_subdomains"],
        configured["hsts_preload"],
    ) == (600, False, True)


def test_a_trial_over_plain_http_turns_off_secure_cookies_and_the_redirect_together():
    trial = production_settings(SECURE_COOKIES="false")
    assert (trial["secure_cookies"], trial["ssl_redirect"]) == ([False, False], False)
    assert production_settings(SECURE_COOKIES="false", SECURE_SSL_REDIRECT="true")["ssl_redirect"]


@pytest.mark.parametrize(
    ("variable", "value"),
    [("TRUSTED_PROXY", "maybe"), ("SECURE_HSTS_SECONDS", "a year"), ("NUM_PROXIES", "-1")],
)
def test_a_malformed_setting_stops_the_start_with_its_name(variable, value):
    result = run(["manage.py", "check"], production_environment(**{variable: value}))
    assert result.returncode != 0
    assert variable in result.stderr


def test_without_a_shared_cache_check_deploy_warns_that_processes_would_not_share_it():
    result = run(["manage.py", "check", "--deploy"], production_environment(CACHE_URL=""))
    assert "incidents.W002" in result.stdout + result.stderr


REPLICA_SETTINGS = """
import json
import django
from django.conf import settings
django.setup()
replica = settings.DATABASES.get("replica")
print(json.dumps({
    "replica": replica and {key: replica[key] for key in ("HOST", "NAME", "USER", "TEST")},
    "options": replica and replica["OPTIONS"],
    "routers": settings.DATABASE_ROUTERS,
}))
"""


def test_database_replica_url_adds_a_replica_that_tests_read_from_the_test_database():
    url = "postgis://reader@replica.internal:5432/infra_tracker"
    result = run(["-c", REPLICA_SETTINGS], production_environment(DATABASE_REPLICA_URL=url))
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["replica"]["HOST"] == "replica.internal"
    assert found["replica"]["USER"] == "reader"
    assert found["replica"]["TEST"]["MIRROR"] == "default"
    assert found["options"] == {"options": "-c jit=off"}
    assert found["routers"] == ["incidents.database.PrimaryReplicaRouter"]
    without = run(["-c", REPLICA_SETTINGS], production_environment())
    assert json.loads(without.stdout.strip().splitlines()[-1])["replica"] is None


def test_a_replica_url_of_another_kind_of_database_stops_the_start():
    result = run(
        ["-c", REPLICA_SETTINGS],
        production_environment(DATABASE_REPLICA_URL="postgres://reader@replica.internal/x"),
    )
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URL" in result.stderr
