"""A second run of any importer on the same file changes nothing and says so."""

import pytest

from incidents.models import Attack, Facility, OutageReport, Source, WeaponUse
from tests.incidents.importing import run_import

pytestmark = pytest.mark.django_db

MODELS = (Attack, Facility, OutageReport, Source, WeaponUse)


def stored() -> dict[str, tuple[int, int]]:
    """Rows and history rows per model."""
    return {model.__name__: (model.objects.count(), model.history.count()) for model in MODELS}


@pytest.mark.parametrize(
    ("fmt", "filename"),
    [
        ("acled", "acled_ukraine_messy.csv"),
        ("missile-attacks", "missile_attacks.csv"),
        ("gppd", "gppd_ukraine.csv"),
        ("facilities-geojson", "facilities_osm.geojson"),
        ("outages-csv", "outages.csv"),
    ],
)
def test_a_second_run_on_the_same_file_creates_and_updates_nothing(oblasts, fmt, filename):
    first = run_import(fmt, filename)
    assert first.rows_created > 0
    before = stored()

    again = run_import(fmt, filename)

    assert (again.rows_created, again.rows_updated) == (0, 0), again.row_errors
    assert again.rows_skipped == first.rows_created + first.rows_updated + first.rows_skipped
    assert again.rows_rejected == first.rows_rejected
    assert stored() == before
