"""What attacks left behind for people: outage figures and the response measures taken."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from incidents.models.attacks import Attack
from incidents.models.base import (
    ExternalId,
    Tracked,
    external_id_unique,
    not_in_future,
    word_search_indexes,
)
from incidents.models.publication import Publishable
from incidents.models.regions import Region
from incidents.models.sources import Source


class OutageReport(Tracked, ExternalId, Publishable):
    """One outage figure at one time; the figures form a series per region and service."""

    class Service(models.TextChoices):
        HEATING = "heating", _("Heating")
        ELECTRICITY = "electricity", _("Electricity")
        WATER = "water", _("Water")
        GAS = "gas", _("Gas")

    class Unit(models.TextChoices):
        BUILDINGS = "buildings", _("Buildings")
        CUSTOMERS = "customers", _("Customers / users")
        HOUSEHOLDS = "households", _("Households")
        PEOPLE = "people", _("People")
        SETTLEMENTS = "settlements", _("Settlements")

    class Qualifier(models.TextChoices):
        EXACT = "exact", _("Exactly")
        AT_LEAST = "at_least", _("Over / at least")
        ABOUT = "about", _("About")
        UP_TO = "up_to", _("Up to")

    # How a report's figure reads in a sentence ("over 1,100 buildings"): the pages, the
    # admin and the dashboard's script (through its page config) all word it from here.
    # Translators: {count} is the figure, {unit} the unit in lower case ("buildings").
    FIGURE_WORDING = {
        Qualifier.EXACT: _("{count} {unit}"),
        Qualifier.AT_LEAST: _("over {count} {unit}"),
        Qualifier.ABOUT: _("about {count} {unit}"),
        Qualifier.UP_TO: _("up to {count} {unit}"),
    }

    # "Without heating": a phrase per service (Ukrainian puts the service in another case).
    WITHOUT_SERVICE = {
        Service.HEATING: _("without heating"),
        Service.ELECTRICITY: _("without electricity"),
        Service.WATER: _("without water"),
        Service.GAS: _("without gas"),
    }

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="outages", verbose_name=_("region")
    )
    locality = models.CharField(max_length=200, blank=True, verbose_name=_("locality"))
    attack = models.ForeignKey(
        Attack,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outages",
        verbose_name=_("attack"),
    )
    service = models.CharField(max_length=20, choices=Service.choices, verbose_name=_("service"))
    unit = models.CharField(max_length=20, choices=Unit.choices, verbose_name=_("unit"))
    count = models.PositiveIntegerField(
        help_text=_("How many are without the service."), verbose_name=_("count")
    )
    count_qualifier = models.CharField(
        max_length=10,
        choices=Qualifier.choices,
        default=Qualifier.EXACT,
        help_text=_('How the report worded the figure, e.g. "over 1,100".'),
        verbose_name=_("count qualifier"),
    )
    as_of = models.DateTimeField(help_text=_("When the figure was true."), verbose_name=_("as of"))
    sources = models.ManyToManyField(
        Source, blank=True, related_name="outages", verbose_name=_("sources")
    )
    is_illustrative = models.BooleanField(default=False, verbose_name=_("is illustrative"))

    history = HistoricalRecords(m2m_fields=[sources])

    class Meta:
        verbose_name_plural = _("outage reports")
        verbose_name = _("outage report")
        permissions = [("publish_outagereport", _("Can publish or withdraw an outage report"))]
        ordering = ["-as_of", "-id"]
        constraints = [
            external_id_unique("outage"),
            models.CheckConstraint(condition=Q(count__gte=0), name="outage_count_not_negative"),
        ]
        indexes = [
            # "Current" outage: the latest figure per region, service and unit
            # (DISTINCT ON (region, service, unit) ORDER BY as_of DESC), and the series.
            models.Index(fields=["region", "service", "unit", "-as_of"], name="outage_current_idx"),
            # Date-range filters over all regions.
            models.Index(fields=["-as_of"], name="outage_as_of_idx"),
            # ?search= on the outage figures.
            *word_search_indexes("outage", "locality"),
        ]

    def __str__(self) -> str:
        return f"{self.region.code} {self.get_service_display()}: {self.figure()}"

    def figure(self, *, with_unit: bool = True) -> str:
        """The figure as the report worded it: "over 1,100 buildings", or "over 1,100"."""
        wording = str(self.FIGURE_WORDING.get(self.count_qualifier, "{count} {unit}"))
        unit = self.get_unit_display().lower() if with_unit else ""
        # 1,100 in English, 1 100 (no-break space) in Ukrainian: the active language's format.
        count = number_format(self.count, force_grouping=True)
        return wording.format(count=count, unit=unit).strip()

    def clean(self) -> None:
        super().clean()
        errors = not_in_future(self.as_of, "as_of")
        if errors:
            raise ValidationError(errors)


class ResponseMeasure(Tracked, Publishable):
    """What was done about an attack or in a region."""

    class Kind(models.TextChoices):
        POWER_CUTS = "power_cuts", _("Emergency power cuts")
        GENERATORS = "generators", _("Mobile generators deployed")
        HEATING_POINTS = "heating_points", _("Heating points opened")
        REPAIR_CREWS = "repair_crews", _("Repair crews")
        RESOURCES = "resources", _("Resources allocated")
        AIR_DEFENCE_REQUEST = "air_defence_request", _("Air-defence request")
        OFFICIAL_VISIT = "official_visit", _("Official visit / inspection")
        OTHER = "other", _("Other")

    kind = models.CharField(max_length=30, choices=Kind.choices, verbose_name=_("kind"))
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="responses",
        verbose_name=_("region"),
    )
    attack = models.ForeignKey(
        Attack,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="responses",
        verbose_name=_("attack"),
    )
    description = models.TextField(verbose_name=_("description"))
    actor = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("Who acted, e.g. Ministry of Energy."),
        verbose_name=_("actor"),
    )
    quantity = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("e.g. the number of generators."),
        verbose_name=_("quantity"),
    )
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    ended_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ended at"))
    sources = models.ManyToManyField(
        Source, blank=True, related_name="responses", verbose_name=_("sources")
    )

    history = HistoricalRecords(m2m_fields=[sources])

    class Meta:
        verbose_name_plural = _("response measures")
        verbose_name = _("response measure")
        permissions = [("publish_responsemeasure", _("Can publish or withdraw a response measure"))]
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(region__isnull=False) | Q(attack__isnull=False),
                name="response_has_region_or_attack",
                violation_error_message=_("Link the measure to a region, an attack, or both."),
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True)
                | Q(started_at__isnull=True)
                | Q(ended_at__gte=F("started_at")),
                name="response_ends_after_start",
                violation_error_message=_("A measure cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=0) | Q(quantity__isnull=True),
                name="response_quantity_not_negative",
            ),
        ]
        indexes = [
            # ?search= on the response measures.
            *word_search_indexes("response", "description", "actor"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description[:60]}"

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        # An attack entered in the same form has no id yet but is linked all the same.
        if self.region_id is None and self.attack_id is None and self.attack is None:
            errors["region"] = _("Link the measure to a region, an attack, or both.")
        if self.started_at and self.ended_at and self.ended_at < self.started_at:
            errors["ended_at"] = _("The end is before the start.")
        errors |= not_in_future(self.started_at, "started_at")
        if errors:
            raise ValidationError(errors)
