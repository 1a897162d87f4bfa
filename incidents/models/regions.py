"""Regions: the first-level units (oblasts, cities with special status) with their boundaries."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from incidents.models.base import Tracked, display_name


class Region(Tracked):
    """A first-level administrative unit (oblast, city with special status, republic)."""

    class Kind(models.TextChoices):
        OBLAST = "oblast", _("Oblast")
        CITY = "city", _("City with special status")
        REPUBLIC = "republic", _("Autonomous republic")

    code = models.CharField(
        verbose_name=_("code"),
        max_length=10,
        unique=True,
        help_text=_("ISO 3166-2 code, e.g. UA-30 for Kyiv city."),
    )
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_uk = models.CharField(_("name (Ukrainian)"), max_length=100, blank=True)
    kind = models.CharField(
        verbose_name=_("kind"), max_length=10, choices=Kind.choices, default=Kind.OBLAST
    )
    boundary = models.MultiPolygonField(
        verbose_name=_("boundary"),
        srid=4326,
        null=True,
        blank=True,
        help_text=_("Without a boundary the region cannot be found from a point."),
    )

    history = HistoricalRecords(excluded_fields=["boundary"])

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["name_en"]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.code})"

    @property
    def display_name(self) -> str:
        """The name in the interface's language: Ukrainian when it is active and known."""
        return display_name(english=self.name_en, ukrainian=self.name_uk)

    def get_absolute_url(self) -> str:
        return reverse("region-detail", args=[self.code])
