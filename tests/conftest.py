import json
import os
from pathlib import Path
from urllib.parse import quote

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.db import connection
from django.test import override_settings

from incidents.roles import ANALYST, REVIEWER, VIEWER
from infra_tracker.middleware import forget_statement_timeout

# The `start_worker` fixture: real Celery workers for the import and alert tests.
pytest_plugins = ["tests.workers"]

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("SHARED_DATA_DIR", REPO.parent / "shared" / "data"))
OBLASTS_GEOJSON = SHARED_DATA / "ukraine-oblasts.geojson"
SEED_ARTICLE = SHARED_DATA / "seed-article.txt"


def database_url() -> str:
    """DATABASE_URL naming the test database, for the app started in another process."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or "5432"
    return f"postgis://{credentials}@{host}:{port}/{db['NAME']}"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """End sessions a live server or worker left open, so the test database can be dropped."""
    yield
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(scope="session", autouse=True)
def _quick_password_hashing():
    # Only the quick hasher: the production one has the same name and would take its place.
    with override_settings(PASSWORD_HASHERS=["tests.hashers.QuickPBKDF2PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _fresh_api_throttle_counters():
    # The API's throttle counters live in the cache: each test starts with none used,
    # so a long run never meets a 429 it did not ask for.
    cache.clear()


@pytest.fixture(autouse=True)
def _no_statement_timeout_outside_requests():
    # Web requests give their database connection a statement timeout that lasts as long
    # as the connection. In a web process every statement belongs to a request; a test
    # thread also builds data and flushes tables, so it gets the default back afterwards.
    yield
    if connection.connection is not None and forget_statement_timeout(connection.connection):
        with connection.cursor() as cursor:
            cursor.execute("RESET statement_timeout")


def _user(username: str, role: str | None, **extra) -> User:
    user = User.objects.create_user(
        username=username, password="correct horse battery", is_staff=True, **extra
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def analyst(db) -> User:
    return _user("olena.analyst", ANALYST)


@pytest.fixture
def reviewer(db) -> User:
    return _user("taras.reviewer", REVIEWER)


@pytest.fixture
def viewer(db) -> User:
    return _user("maria.viewer", VIEWER)


@pytest.fixture
def superuser(db) -> User:
    return _user("admin", None, is_superuser=True)


@pytest.fixture(scope="session")
def oblast_units() -> list:
    """The 27 first-level units with their polygons, read from the shared GeoJSON once a run."""
    from incidents.regions import parse_features

    if not OBLASTS_GEOJSON.is_file():
        pytest.fail(f"{OBLASTS_GEOJSON} is missing: set SHARED_DATA_DIR to the shared data folder")
    units, warnings = parse_features(json.loads(OBLASTS_GEOJSON.read_text(encoding="utf-8")))
    assert len(units) == 27 and not warnings, warnings
    return units


@pytest.fixture
def oblasts(db, oblast_units) -> dict:
    """The 27 units stored as `load_regions` stores them; by code."""
    from incidents.models import Region
    from incidents.regions import load_units

    load_units(oblast_units)
    return {region.code: region for region in Region.objects.all()}
