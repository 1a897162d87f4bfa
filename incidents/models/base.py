"""What every model shares: the audit fields, external ids, and the checks of points and times."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# A figure dated this far in the future is a typo, not clock skew.
FUTURE_TOLERANCE = timedelta(minutes=10)


def validate_wgs84_point(point) -> None:
    """Reject coordinates that cannot be longitude/latitude in WGS84."""
    if point is None:
        return
    if not -180 <= point.x <= 180:
        raise ValidationError(
            _("Longitude %(x)s is outside -180…180. Coordinates are WGS84 longitude, latitude."),
            params={"x": point.x},
            code="longitude_out_of_range",
        )
    if not -90 <= point.y <= 90:
        raise ValidationError(
            _("Latitude %(y)s is outside -90…90. Did you swap longitude and latitude?"),
            params={"y": point.y},
            code="latitude_out_of_range",
        )


def word_search_indexes(prefix: str, *columns: str) -> list[GinIndex]:
    """Trigram indexes for `?search=`: `column ILIKE '%word%'` on each column.

    pg_trgm (migration 0004) takes its trigrams in lower case, so one index serves any
    case; Cyrillic letters are word characters under the database's UTF-8 locale.
    """
    return [
        GinIndex(fields=[column], name=f"{prefix}_{column}_trgm", opclasses=["gin_trgm_ops"])
        for column in columns
    ]


def display_name(*, english: str, ukrainian: str) -> str:
    """A record's name for the active language: its Ukrainian name in the Ukrainian
    interface (when it has one), its English name otherwise. Pages, the dashboard's
    layers, e-mails and the admin all name records through this."""
    if ukrainian and (get_language() or "").split("-")[0] == "uk":
        return ukrainian
    return english


def display_name_sql(english: str, ukrainian: str) -> str:
    """display_name in SQL, for the layers built in the database: `english` and `ukrainian`
    are trusted column expressions (e.g. "f.name", "f.name_uk"), never user input."""
    if (get_language() or "").split("-")[0] == "uk":
        return f"COALESCE(NULLIF({ukrainian}, ''), {english})"
    return english


def not_in_future(value, field: str) -> dict[str, str]:
    if value and value > timezone.now() + FUTURE_TOLERANCE:
        return {field: "This time is in the future."}
    return {}


class Tracked(models.Model):
    """Who created and last changed a row, and when; every model has this."""

    created_at = models.DateTimeField(
        auto_now_add=True, editable=False, verbose_name=_("created at")
    )
    updated_at = models.DateTimeField(
        auto_now=True, editable=False, db_index=True, verbose_name=_("updated at")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        abstract = True


class ExternalId(models.Model):
    """Where an imported row came from, so a re-import updates instead of duplicating."""

    external_source = models.CharField(
        max_length=40,
        blank=True,
        help_text=_("The data set a row was imported from, e.g. 'gppd', 'acled', 'demo'."),
        verbose_name=_("external source"),
    )
    external_id = models.CharField(
        max_length=100,
        blank=True,
        help_text=_("The row's identifier in that data set, e.g. a GPPD id or an ACLED event id."),
        verbose_name=_("external id"),
    )

    class Meta:
        abstract = True

    def clean(self) -> None:
        super().clean()
        if self.external_id and not self.external_source:
            raise ValidationError(
                {"external_source": _("Name the data set the external id comes from.")}
            )


def external_id_unique(name: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=["external_source", "external_id"],
        condition=~Q(external_id=""),
        name=f"{name}_external_id_unique",
        violation_error_message=_("A record with this external source and id already exists."),
    )
