"""Facilities: the plants, substations and networks that attacks damage."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.core.validators import MinValueValidator
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from incidents.models.base import (
    ExternalId,
    Tracked,
    display_name,
    external_id_unique,
    validate_wgs84_point,
    word_search_indexes,
)
from incidents.models.regions import Region


class Facility(Tracked, ExternalId):
    """A piece of infrastructure that can be hit: a plant, a substation, a line."""

    class Kind(models.TextChoices):
        CHP = "chp", _("Combined heat and power plant")
        THERMAL = "thermal", _("Thermal power plant")
        HEATING = "heating", _("Heating plant / boiler house")
        HYDRO = "hydro", _("Hydroelectric plant")
        NUCLEAR = "nuclear", _("Nuclear power plant")
        SOLAR = "solar", _("Solar plant")
        WIND = "wind", _("Wind farm")
        SUBSTATION = "substation", _("Substation")
        TRANSMISSION = "transmission", _("Transmission line")
        GAS = "gas", _("Gas facility")
        WATER = "water", _("Water utility")
        OTHER = "other", _("Other")

    class Use(models.TextChoices):
        CIVILIAN = "civilian", _("Civilian")
        DUAL_USE = "dual_use", _("Dual-use")
        UNKNOWN = "unknown", _("Unknown")

    class Status(models.TextChoices):
        OPERATIONAL = "operational", _("Operational")
        DAMAGED = "damaged", _("Damaged")
        DESTROYED = "destroyed", _("Destroyed")
        UNDER_REPAIR = "under_repair", _("Under repair")
        RESTORED = "restored", _("Restored")

    name = models.CharField(max_length=200, verbose_name=_("name"))
    name_uk = models.CharField(_("name (Ukrainian)"), max_length=200, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, verbose_name=_("kind"))
    location = models.PointField(
        srid=4326, validators=[validate_wgs84_point], verbose_name=_("location")
    )
    location_approximate = models.BooleanField(
        default=False,
        help_text=_("The point marks the area, not the exact site."),
        verbose_name=_("location approximate"),
    )
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="facilities",
        help_text=_("Leave empty to fill it from the location."),
        verbose_name=_("region"),
    )
    locality = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("City or district, e.g. Kyiv, Darnytsia district."),
        verbose_name=_("locality"),
    )
    operator = models.CharField(max_length=200, blank=True, verbose_name=_("operator"))
    electric_capacity_mw = models.DecimalField(
        _("electric capacity (MW)"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    thermal_capacity_mw = models.DecimalField(
        _("thermal capacity (MW)"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    use = models.CharField(
        max_length=10, choices=Use.choices, default=Use.UNKNOWN, verbose_name=_("use")
    )
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        default=Status.OPERATIONAL,
        editable=False,
        help_text=_("Follows from the facility's damage history."),
        verbose_name=_("status"),
    )
    public_region_only = models.BooleanField(
        _("public: region only"),
        default=False,
        help_text=_(
            "The public view lists the facility under its region, without its point, "
            "and leaves the points of attacks on it off the map."
        ),
    )
    notes = models.TextField(blank=True, verbose_name=_("notes"))
    is_illustrative = models.BooleanField(
        default=False,
        help_text=_("Made-up demo record, not a real facility."),
        verbose_name=_("is illustrative"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
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
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the interface's language: Ukrainian when it is active and known."""
        return display_name(english=self.name, ukrainian=self.name_uk)

    def get_absolute_url(self) -> str:
        return reverse("facility-detail", args=[self.pk])
