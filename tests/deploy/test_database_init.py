"""deploy/postgres/20-app-database.sh, run against the local PostgreSQL as the image would run it.

The postgis/postgis image runs it once as the superuser; here the superuser is
the local cluster's `postgres` role (trust authentication on 127.0.0.1, as
`make setup` uses it). The script's role and database get unique names and are
dropped afterwards.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "deploy" / "postgres" / "20-app-database.sh"
SUPERUSER = "postgres"


def _server() -> dict[str, str]:
    database = settings.DATABASES["default"]
    return {"PGHOST": database["HOST"] or "127.0.0.1", "PGPORT": str(database["PORT"] or 5432)}


def _psql(sql: str, *, user: str, database: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  (fixed program, arguments from the test)
        [
            *(shutil.which("psql") or "psql", "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "-AtX"),
            *("-U", user, "-d", database, "-c", sql),
        ],
        env={**os.environ, **_server()},
        capture_output=True,
        text=True,
        check=False,
    )


def _run_script(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  (fixed arguments)
        ["sh", str(SCRIPT)],  # noqa: S607  (sh from PATH, as the image runs it)
        env={
            **os.environ,
            **_server(),
            "POSTGRES_USER": SUPERUSER,
            "POSTGRES_DB": "postgres",
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def app_names() -> Iterator[str]:
    """A unique role and database name; both are dropped when the test ends."""
    if shutil.which("psql") is None:
        pytest.skip("psql is not installed")
    probe = _psql(
        "SELECT rolsuper FROM pg_roles WHERE rolname = current_user",
        user=SUPERUSER,
        database="postgres",
    )
    if probe.stdout.strip() != "t":
        pytest.skip(
            f"the superuser {SUPERUSER} cannot log in without a password here: {probe.stderr}"
        )
    name = f"tracker_init_{uuid.uuid4().hex[:10]}"
    yield name
    _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', user=SUPERUSER, database="postgres")
    _psql(f'DROP ROLE IF EXISTS "{name}"', user=SUPERUSER, database="postgres")


def test_the_script_creates_a_login_role_without_rights_that_owns_its_database_with_postgis(
    app_names,
):
    result = _run_script(
        APP_DB_USER=app_names, APP_DB_PASSWORD="pa'ss\"wörd", APP_DB_NAME=app_names
    )
    assert result.returncode == 0, result.stderr

    rights = "rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls"
    role = _psql(
        f"SELECT {rights} FROM pg_roles WHERE rolname = '{app_names}'",  # noqa: S608
        user=SUPERUSER,
        database="postgres",
    )
    assert role.stdout.strip() == "t|f|f|f|f|f"
    owner = _psql(
        f"SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '{app_names}'",  # noqa: S608
        user=SUPERUSER,
        database="postgres",
    )
    assert owner.stdout.strip() == app_names
    extension = _psql(
        "SELECT extname FROM pg_extension WHERE extname = 'postgis'",
        user=app_names,
        database=app_names,
    )
    assert extension.stdout.strip() == "postgis"


def test_the_app_role_can_build_its_schema_and_nothing_more(app_names):
    assert (
        _run_script(
            APP_DB_USER=app_names, APP_DB_PASSWORD="secret", APP_DB_NAME=app_names
        ).returncode
        == 0
    )

    # What migrations do: tables with geometry columns and indexes, in its own database.
    schema = _psql(
        "CREATE TABLE probe (id bigint PRIMARY KEY, location geometry(Point, 4326)); "
        "CREATE INDEX probe_location ON probe USING gist (location); "
        "INSERT INTO probe VALUES (1, ST_SetSRID(ST_MakePoint(30.64, 50.446), 4326)); "
        "SELECT count(*) FROM probe",
        user=app_names,
        database=app_names,
    )
    assert schema.returncode == 0, schema.stderr
    assert schema.stdout.strip().splitlines()[-1] == "1"

    # The wording of the refusals differs between PostgreSQL versions.
    for sql in [
        "CREATE DATABASE elsewhere",
        "CREATE ROLE accomplice LOGIN",
        "ALTER ROLE CURRENT_USER SUPERUSER",
        "ALTER ROLE CURRENT_USER CREATEDB",
        "CREATE EXTENSION postgis_topology",
    ]:
        refused = _psql(sql, user=app_names, database=app_names)
        assert refused.returncode != 0, sql
        assert re.search("permission denied|must be superuser", refused.stderr), refused.stderr


def test_the_script_refuses_to_make_the_superuser_the_apps_role():
    result = _run_script(APP_DB_USER=SUPERUSER, APP_DB_PASSWORD="secret", APP_DB_NAME="unused")
    assert result.returncode != 0
    assert f"APP_DB_USER must not be the superuser ({SUPERUSER})" in result.stderr


def test_the_script_needs_the_apps_password():
    result = _run_script(APP_DB_USER="tracker_without_password", APP_DB_PASSWORD="")
    assert result.returncode != 0
    assert "set APP_DB_PASSWORD" in result.stderr
