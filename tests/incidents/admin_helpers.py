"""Shared pieces for the admin tests: one record of every model and realistic POST data."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import GEOSGeometry
from django.forms import MultiWidget
from django.urls import reverse

from incidents.models import Attack
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

MODELS = (
    "region",
    "facility",
    "attack",
    "weaponuse",
    "damage",
    "outagereport",
    "source",
    "responsemeasure",
)
INLINE_PREFIXES = ("weapons", "damages", "outages", "responses")


def admin_url(model: str, view: str, *args) -> str:
    return reverse(f"admin:incidents_{model}_{view}", args=args)


@pytest.fixture
def records(db) -> dict:
    """One row of every model, linked the way the February 4 strike links them."""
    region = RegionFactory()
    source = SourceFactory()
    facility = FacilityFactory(region=region)
    attack = AttackFactory()
    attack.regions.add(region)
    attack.sources.add(source)
    return {
        "region": region,
        "source": source,
        "facility": facility,
        "attack": attack,
        "weaponuse": WeaponUseFactory(attack=attack),
        "damage": DamageFactory(attack=attack, facility=facility),
        "outagereport": OutageReportFactory(region=region, attack=attack),
        "responsemeasure": ResponseMeasureFactory(region=region, attack=attack),
    }


def management_form(prefix: str, total: int = 0, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def attack_data(**overrides) -> dict:
    """The Attack add form as a browser posts it, with empty inline formsets."""
    data: dict = {
        "summary": "Missile and drone strike on Kyiv heating plants",
        "description": "Ballistic and cruise missiles and drones at -25 °C.",
        "perpetrator": "Russian Armed Forces",
        "started_at_0": "2026-02-04",
        "started_at_1": "05:00:00",
        "ended_at_0": "",
        "ended_at_1": "",
        "time_precision": Attack.TimePrecision.PART_OF_DAY,
        "reported_region_count": "8",
        "impact_location": "",
        "killed": "",
        "injured": "",
        "ambient_temperature_c": "-25",
        "verification_status": Attack.Verification.REPORTED,
        "external_source": "",
        "external_id": "",
    }
    for prefix in INLINE_PREFIXES:
        data |= management_form(prefix)
    data.update(overrides)
    return data


def weapon_row(index: int = 0, **values) -> dict[str, str]:
    row = {"weapon_type": "cruise_missile", "model": "Kh-101", "launched": "10", "intercepted": "8"}
    row.update(values)
    return {f"weapons-{index}-{name}": value for name, value in row.items()}


def form_post_data(form) -> dict:
    """A change form as the browser posts it back unchanged: each field with its shown value
    (and, for a field that keeps it, the value it was shown with, as a hidden input)."""
    data: dict = {"_save": "Save"}
    for bound in form:
        value = bound.value()
        data |= posted_value(bound.html_name, value, bound.field.widget)
        if bound.field.show_hidden_initial:
            data |= posted_value(bound.html_initial_name, value, bound.field.hidden_widget())
    return data


def posted_value(name: str, value, widget) -> dict:
    """What a browser posts for one field shown with `value`."""
    if isinstance(widget, MultiWidget):
        parts = widget.decompress(value)
        return {f"{name}_{i}": "" if p is None else p for i, p in enumerate(parts)}
    if isinstance(value, GEOSGeometry):
        return {name: value.json}
    if isinstance(value, bool):
        return {name: "on"} if value else {}
    if isinstance(value, list | tuple):
        return {name: [str(item) for item in value]}
    return {name: "" if value is None else value}
