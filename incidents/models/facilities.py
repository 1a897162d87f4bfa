"""Facilities: the plants, substations and networks that attacks damage."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.core.validators import MinValueValidator
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from incidents.models.base import (
    ExternalId,
    Tracked,
    external_id_unique,
    validate_wgs84_point,
    word_search_indexes,
)
from incidents.models.regions import Region


class Facility(Tracked, ExternalId):
    """A piece of infrastructure that can be hit: a plant, a substation, a line."""

    class Kind(models.TextChoices):
        CHP = "chp", "Combined heat and power plant"
        THERMAL = "thermal", "Thermal power plant"
        HEATING = "heating", "Heating plant / boiler house"
        HYDRO = "hydro", "Hydroelectric plant"
        NUCLEAR = "nuclear", "Nuclear power plant"
        SOLAR = "solar", "Solar plant"
        WIND = "wind", "Wind farm"
        SUBSTATION = "substation", "Substation"
        TRANSMISSION = "transmission", "Transmission line"
        GAS = "gas", "Gas facility"
        WATER = "water", "Water utility"
        OTHER = "other", "Other"

    class Use(models.TextChoices):
        CIVILIAN = "civilian", "Civilian"
        DUAL_USE = "dual_use", "Dual-use"
        UNKNOWN = "unknown", "Unknown"

    class Status(models.TextChoices):
        OPERATIONAL = "operational", "Operational"
        DAMAGED = "damaged", "Damaged"
        DESTROYED = "destroyed", "Destroyed"
        UNDER_REPAIR = "under_repair", "Under repair"
        RESTORED = "restored", "Restored"

    name = models.CharField(max_length=200)
    name_uk = models.CharField("name (Ukrainian)", max_length=200, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    location = models.PointField(srid=4326, validators=[validate_wgs84_point])
    location_approximate = models.BooleanField(
        default=False, help_text="The point marks the area, not the exact site."
    )
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="facilities",
        help_text="Leave empty to fill it from the location.",
    )
    locality = models.CharField(
        max_length=200, blank=True, help_text="City or district, e.g. Kyiv, Darnytsia district."
    )
    operator = models.CharField(max_length=200, blank=True)
    electric_capacity_mw = models.DecimalField(
        "electric capacity (MW)",
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    thermal_capacity_mw = models.DecimalField(
        "thermal capacity (MW)",
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    use = models.CharField(max_length=10, choices=Use.choices, default=Use.UNKNOWN)
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        default=Status.OPERATIONAL,
        editable=False,
        help_text="Follows from the facility's damage history.",
    )
    public_region_only = models.BooleanField(
        "public: region only",
        default=False,
        help_text="The public view lists the facility under its region, without its point, "
        "and leaves the points of attacks on it off the map.",
    )
    notes = models.TextField(blank=True)
    is_illustrative = models.BooleanField(
        default=False, help_text="Made-up demo record, not a real facility."
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "facilities"
        ordering = ["name"]
        constraints = [
            external_id_unique("facility"),
            models.CheckConstraint(
                condition=Q(electric_capacity_mw__gte=0) | Q(electric_capacity_mw__isnull=True),
                name="facility_electric_capacity_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(thermal_capacity_mw__gte=0) | Q(thermal_capacity_mw__isnull=True),
                name="facility_thermal_capacity_not_negative",
            ),
        ]
        indexes = [
            # Map filter "facility kind" and the legend's status colours.
            models.Index(fields=["kind", "status"], name="facility_kind_status_idx"),
            # ?search= on the facilities and their layer.
            *word_search_indexes("facility", "name", "name_uk", "locality", "operator", "notes"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("facility-detail", args=[self.pk])
