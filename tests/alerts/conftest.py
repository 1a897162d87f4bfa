"""Fixtures for the alert tests: regions, users with addresses, rules, and running tasks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User

from alerts.models import AlertRule
from incidents.models import Facility, Region
from infra_tracker.celery import app as celery_app
from tests.factories import KHARKIV, FacilityFactory, RegionFactory


@pytest.fixture
def kyiv(db) -> Region:
    return RegionFactory()


@pytest.fixture
def kharkiv(db) -> Region:
    return RegionFactory(code="UA-63", name_en="Kharkiv Oblast", name_uk="Харківська область")


@pytest.fixture
def darnytsia_chp(kyiv: Region) -> Facility:
    return FacilityFactory(region=kyiv)


@pytest.fixture
def kharkiv_substation(kharkiv: Region) -> Facility:
    return FacilityFactory(
        name="Kharkiv substation 330 kV",
        kind=Facility.Kind.SUBSTATION,
        location=KHARKIV,
        locality="Kharkiv",
        region=kharkiv,
    )


@pytest.fixture
def duty_officer(db) -> User:
    return User.objects.create_user(
        username="iryna.duty", email="iryna.duty@example.org", password="correct horse battery"
    )


@pytest.fixture
def make_rule(duty_officer: User) -> Callable[..., AlertRule]:
    """An active rule that e-mails the duty officer; keyword arguments set its parameters."""

    def make(**fields: Any) -> AlertRule:
        rule = AlertRule(**fields)
        rule.full_clean()
        rule.save()
        rule.recipients.add(duty_officer)
        return rule

    return make


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """Run tasks in this process when sent, as CELERY_TASK_ALWAYS_EAGER does without a broker."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False
