"""Regions: the first-level units (oblasts, cities with special status) with their boundaries."""

from __future__ import annotations

import re

from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from incidents.models.base import Tracked, display_name
from incidents.region_names import ISO_CODES

# ISO 3166-2: the country's two letters, a hyphen and one to three letters or digits.
REGION_CODE_PATTERN = r"^[A-Z]{2}-[A-Z0-9]{1,3}$"
REGION_CODE_RE = re.compile(REGION_CODE_PATTERN)
REGION_CODE_MESSAGE = _(
    "Enter an ISO 3166-2 code: two capital letters for the country, a hyphen, then one "
    "to three capital letters or digits (e.g. UA-30 for Kyiv city)."
)
validate_region_code_format = RegexValidator(
    REGION_CODE_RE, message=REGION_CODE_MESSAGE, code="invalid_region_code"
)


def validate_region_code(code: str) -> None:
    """The ISO 3166-2 form, and for Ukraine one of its real first-level subdivisions."""
    validate_region_code_format(code)
    if code.startswith("UA-") and code not in ISO_CODES:
        raise ValidationError(
            _("%(code)s is not a Ukrainian region's ISO 3166-2 code; they are %(codes)s."),
            params={"code": code, "codes": ", ".join(sorted(ISO_CODES))},
            code="unknown_ukrainian_region",
        )


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
        validators=[validate_region_code],
        help_text=_(
            "ISO 3166-2 code, e.g. UA-30 for Kyiv city. It cannot change once saved "
            "through the API: records elsewhere refer to regions by it."
        ),
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
        constraints = [
            # The same rule as validate_region_code's format: no control characters or
            # spaces can reach the codes that pages and files use as keys.
            models.CheckConstraint(
                condition=Q(code__regex=REGION_CODE_PATTERN),
                name="region_code_iso_3166_2",
                violation_error_message=REGION_CODE_MESSAGE,
                violation_error_code="invalid_region_code",
            ),
            # Two regions of one name would be listed twice wherever regions are listed.
            models.UniqueConstraint(
                Lower("name_en"),
                name="region_name_en_unique_ci",
                violation_error_message=_("Another region already has this English name."),
                violation_error_code="name_en_taken",
            ),
            # A blank Ukrainian name is allowed on many regions; a given one is unique.
            models.UniqueConstraint(
                Lower("name_uk"),
                condition=~Q(name_uk=""),
                name="region_name_uk_unique_ci",
                violation_error_message=_("Another region already has this Ukrainian name."),
                violation_error_code="name_uk_taken",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.code})"

    @property
    def display_name(self) -> str:
        """The name in the interface's language: Ukrainian when it is active and known."""
        return display_name(english=self.name_en, ukrainian=self.name_uk)

    def validate_constraints(self, exclude=None) -> None:
        """The constraints' errors under the field each is about, as forms and the API show them."""
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as exc:
            errors: dict[str, list[ValidationError]] = {}
            for field, field_errors in exc.error_dict.items():
                for error in field_errors:
                    target = _CONSTRAINT_FIELDS.get(error.code, field)
                    errors.setdefault(target, []).append(error)
            raise ValidationError(errors) from None

    def get_absolute_url(self) -> str:
        return reverse("region-detail", args=[self.code])


# The field each constraint's error is shown on (by the constraint's violation_error_code).
_CONSTRAINT_FIELDS = {
    "invalid_region_code": "code",
    "name_en_taken": "name_en",
    "name_uk_taken": "name_uk",
}
