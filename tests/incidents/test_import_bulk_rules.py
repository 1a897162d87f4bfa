"""The bulk path of large imports applies the attack service's rules of place."""

from datetime import UTC, datetime

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError

from incidents.imports.bulk import AttackRow, attacks_upsert_batch
from incidents.models import Attack

pytestmark = pytest.mark.django_db

DARNYTSIA = Point(30.6617, 50.4297, srid=4326)  # Kyiv city
LVIV = Point(24.0316, 49.8429, srid=4326)


def row(external_id: str, *, point=None, regions=(), reported=None) -> AttackRow:
    return AttackRow(
        fields={
            "external_source": "test-bulk",
            "external_id": external_id,
            "started_at": datetime(2026, 2, 4, 3, tzinfo=UTC),
            "summary": f"Strike {external_id}",
            "impact_location": point,
            "reported_region_count": reported,
        },
        region_ids=frozenset(region.pk for region in regions),
    )


def test_a_batch_refuses_a_point_outside_its_regions_and_fills_missing_regions(analyst, oblasts):
    kyiv, lviv = oblasts["UA-30"], oblasts["UA-46"]
    outcomes = attacks_upsert_batch(
        user=analyst,
        rows=[
            row("inside", point=DARNYTSIA, regions=[kyiv]),
            row("outside", point=DARNYTSIA, regions=[lviv]),
            row("either", point=LVIV, regions=[kyiv, lviv]),
            row("unfiled", point=LVIV),
            row("no-point", regions=[kyiv, lviv]),
        ],
    )

    assert outcomes[0] == outcomes[2] == outcomes[3] == outcomes[4] == "created"
    assert isinstance(outcomes[1], ValidationError)
    message = outcomes[1].message_dict["impact_location"][0]
    assert message.startswith("The impact point lies in Kyiv (UA-30), ")
    assert "km from Lviv Oblast (UA-46)" in message
    stored = {
        attack.external_id: sorted(attack.regions.values_list("code", flat=True))
        for attack in Attack.objects.filter(external_source="test-bulk")
    }
    assert stored == {
        "inside": ["UA-30"],
        "either": ["UA-30", "UA-46"],
        "unfiled": ["UA-46"],
        "no-point": ["UA-30", "UA-46"],
    }


def test_a_batch_refuses_more_regions_than_the_reported_count(analyst, oblasts):
    outcomes = attacks_upsert_batch(
        user=analyst,
        rows=[row("counted", regions=[oblasts["UA-30"], oblasts["UA-46"]], reported=1)],
    )

    assert outcomes[0].message_dict["reported_region_count"] == [
        "2 regions are linked, more than the reported 1. Raise the count or leave it empty."
    ]
    assert not Attack.objects.filter(external_source="test-bulk").exists()
