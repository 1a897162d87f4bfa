"""Attacks, the weapons used in them and the damage they did to facilities."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from incidents.models.base import (
    ExternalId,
    Tracked,
    external_id_unique,
    not_in_future,
    validate_wgs84_point,
    word_search_indexes,
)
from incidents.models.facilities import Facility
from incidents.models.publication import Publishable
from incidents.models.regions import Region
from incidents.models.sources import Source


class Attack(Tracked, ExternalId, Publishable):
    """One strike event or wave of strikes."""

    class TimePrecision(models.TextChoices):
        EXACT = "exact", _("Exact time")
        HOUR = "hour", _("Within the hour")
        PART_OF_DAY = "part_of_day", _("Part of day (e.g. early morning)")
        DAY = "day", _("Day only")

    class Verification(models.TextChoices):
        REPORTED = "reported", _("Reported")
        CORROBORATED = "corroborated", _("Corroborated")
        VERIFIED = "verified", _("Verified")
        DISPUTED = "disputed", _("Disputed")

    # Only reviewers may move an attack into these states.
    REVIEWER_STATES = frozenset({Verification.VERIFIED, Verification.DISPUTED})

    started_at = models.DateTimeField(verbose_name=_("started at"))
    ended_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ended at"))
    time_precision = models.CharField(
        max_length=20,
        choices=TimePrecision.choices,
        default=TimePrecision.EXACT,
        verbose_name=_("time precision"),
    )
    perpetrator = models.CharField(
        max_length=200, default="Russian Armed Forces", blank=True, verbose_name=_("perpetrator")
    )
    summary = models.CharField(max_length=300, verbose_name=_("summary"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    regions = models.ManyToManyField(
        Region, blank=True, related_name="attacks", verbose_name=_("regions")
    )
    reported_region_count = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=_(
            'When a report gives only a number ("eight regions"), keep it here; '
            "link only the regions it names."
        ),
        verbose_name=_("reported region count"),
    )
    impact_location = models.PointField(
        srid=4326,
        null=True,
        blank=True,
        validators=[validate_wgs84_point],
        verbose_name=_("impact location"),
    )
    ambient_temperature_c = models.DecimalField(
        _("ambient temperature (°C)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(-70), MaxValueValidator(60)],
    )
    killed = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("killed"))
    injured = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("injured"))
    verification_status = models.CharField(
        max_length=20,
        choices=Verification.choices,
        default=Verification.REPORTED,
        verbose_name=_("verification status"),
    )
    sources = models.ManyToManyField(
        Source, blank=True, related_name="attacks", verbose_name=_("sources")
    )
    is_illustrative = models.BooleanField(
        default=False,
        help_text=_("Made-up demo record, not a real event."),
        verbose_name=_("is illustrative"),
    )

    history = HistoricalRecords(m2m_fields=[regions, sources])

    class Meta:
        verbose_name = _("attack")
        verbose_name_plural = _("attacks")
        ordering = ["-started_at", "-id"]
        permissions = [
            ("verify_attack", _("Can mark an attack verified or disputed")),
            ("publish_attack", _("Can publish or withdraw an attack")),
        ]
        constraints = [
            external_id_unique("attack"),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="attack_ends_after_start",
                violation_error_message=_("An attack cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(killed__gte=0) | Q(killed__isnull=True),
                name="attack_killed_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(injured__gte=0) | Q(injured__isnull=True),
                name="attack_injured_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(reported_region_count__gte=1) | Q(reported_region_count__isnull=True),
                name="attack_reported_regions_positive",
            ),
            models.CheckConstraint(
                condition=Q(ambient_temperature_c__gte=-70, ambient_temperature_c__lte=60)
                | Q(ambient_temperature_c__isnull=True),
                name="attack_temperature_plausible",
            ),
        ]
        indexes = [
            # Date-range filters and the timeline: attacks between two dates, newest first.
            models.Index(fields=["-started_at"], name="attack_started_idx"),
            # The verification filter combined with a date range.
            models.Index(
                fields=["verification_status", "-started_at"], name="attack_verif_started_idx"
            ),
            # ?search= on the attacks, their layer and the statistics.
            *word_search_indexes("attack", "summary", "description"),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.started_at) if self.started_at else None
        when = local.strftime("%Y-%m-%d") if local else "?"
        return f"{when} – {self.summary}"

    def get_absolute_url(self) -> str:
        return reverse("attack-detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.started_at and self.ended_at and self.ended_at < self.started_at:
            errors["ended_at"] = _("The end is before the start.")
        errors |= not_in_future(self.started_at, "started_at")
        if errors:
            raise ValidationError(errors)


class WeaponUse(Tracked):
    """The weapons of one type (and model) used in an attack."""

    class WeaponType(models.TextChoices):
        BALLISTIC = "ballistic_missile", _("Ballistic missile")
        CRUISE = "cruise_missile", _("Cruise missile")
        HYPERSONIC = "hypersonic_missile", _("Hypersonic missile")
        GUIDED_BOMB = "guided_bomb", _("Guided aerial bomb")
        DRONE = "attack_drone", _("Attack drone")
        ARTILLERY = "artillery", _("Artillery")
        UNKNOWN = "unknown", _("Unknown")

    attack = models.ForeignKey(
        Attack, on_delete=models.CASCADE, related_name="weapons", verbose_name=_("attack")
    )
    weapon_type = models.CharField(
        max_length=20, choices=WeaponType.choices, verbose_name=_("weapon type")
    )
    model = models.CharField(
        max_length=100,
        blank=True,
        help_text=_("e.g. Kh-101, Iskander-M, Shahed-136"),
        verbose_name=_("model"),
    )
    launched = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Empty if unknown."), verbose_name=_("launched")
    )
    intercepted = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("Shot down or suppressed; empty if unknown."),
        verbose_name=_("intercepted"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = _("weapon uses")
        verbose_name = _("weapon use")
        ordering = ["attack", "weapon_type", "model"]
        constraints = [
            models.UniqueConstraint(
                fields=["attack", "weapon_type", "model"],
                name="weaponuse_one_row_per_type_and_model",
                violation_error_message=_("This attack already lists that weapon type and model."),
            ),
            models.CheckConstraint(
                condition=Q(launched__isnull=True)
                | Q(intercepted__isnull=True)
                | Q(intercepted__lte=F("launched")),
                name="weaponuse_intercepted_lte_launched",
                violation_error_message=_("More weapons intercepted than launched."),
            ),
            models.CheckConstraint(
                condition=Q(launched__gte=0) | Q(launched__isnull=True),
                name="weaponuse_launched_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(intercepted__gte=0) | Q(intercepted__isnull=True),
                name="weaponuse_intercepted_not_negative",
            ),
        ]
        indexes = [
            # The weapon-type filter: attacks that used a given type.
            models.Index(fields=["weapon_type", "attack"], name="weaponuse_type_attack_idx"),
        ]

    def __str__(self) -> str:
        label = self.model or self.get_weapon_type_display()
        return f"{label}: {self.launched if self.launched is not None else '?'} launched"

    def clean(self) -> None:
        super().clean()
        if (
            self.launched is not None
            and self.intercepted is not None
            and self.intercepted > self.launched
        ):
            raise ValidationError(
                {
                    "intercepted": _(
                        "More weapons intercepted than launched (%(intercepted)s > %(launched)s)."
                    )
                    % {"intercepted": self.intercepted, "launched": self.launched}
                }
            )


class Damage(Tracked):
    """What one attack did to one facility."""

    class Severity(models.TextChoices):
        NONE = "none", _("None")
        MINOR = "minor", _("Minor")
        MODERATE = "moderate", _("Moderate")
        SEVERE = "severe", _("Severe")
        DESTROYED = "destroyed", _("Destroyed")

    class Restoration(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        PARTIAL = "partial", _("Partially restored")
        RESTORED = "restored", _("Restored")

    attack = models.ForeignKey(
        Attack, on_delete=models.CASCADE, related_name="damages", verbose_name=_("attack")
    )
    # Indexed first in damage_facility_latest_idx (migration 0008), which answers every
    # lookup by facility; a second index of its own would only be kept up.
    facility = models.ForeignKey(
        Facility,
        on_delete=models.PROTECT,
        related_name="damages",
        db_index=False,
        verbose_name=_("facility"),
    )
    severity = models.CharField(max_length=10, choices=Severity.choices, verbose_name=_("severity"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    restoration_status = models.CharField(
        max_length=20,
        choices=Restoration.choices,
        default=Restoration.NOT_STARTED,
        verbose_name=_("restoration status"),
    )
    restored_at = models.DateTimeField(null=True, blank=True, verbose_name=_("restored at"))
    expected_restoration = models.DateField(
        null=True, blank=True, verbose_name=_("expected restoration")
    )
    sources = models.ManyToManyField(
        Source, blank=True, related_name="damages", verbose_name=_("sources")
    )

    history = HistoricalRecords(m2m_fields=[sources])

    class Meta:
        verbose_name = _("damage")
        verbose_name_plural = _("damages")
        ordering = ["-attack__started_at", "facility__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["attack", "facility"],
                name="damage_one_per_attack_and_facility",
                violation_error_message=_(
                    "This attack already has a damage record for that facility; edit it instead."
                ),
            ),
            models.CheckConstraint(
                condition=Q(restored_at__isnull=True) | Q(restoration_status="restored"),
                name="damage_restored_at_only_when_restored",
                violation_error_message=_("A restoration time needs the status 'restored'."),
            ),
        ]
        indexes = [
            # A facility's damage history (detail page, status derivation).
            models.Index(fields=["facility", "attack"], name="damage_facility_attack_idx"),
            # Severity filter.
            models.Index(fields=["severity"], name="damage_severity_idx"),
            # ?search= on the damage list.
            *word_search_indexes("damage", "description"),
        ]

    def __str__(self) -> str:
        return f"{self.facility} – {self.get_severity_display()}"

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.restored_at and self.restoration_status != self.Restoration.RESTORED:
            errors["restored_at"] = _("A restoration time needs the status 'restored'.")
        errors |= not_in_future(self.restored_at, "restored_at")
        if (
            self.restored_at
            and self.attack_id
            and self.attack.started_at
            and self.restored_at < self.attack.started_at
        ):
            errors["restored_at"] = _("Restored before the attack happened.")
        if errors:
            raise ValidationError(errors)
