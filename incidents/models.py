"""The domain: regions, facilities, attacks and what they did, and where we know it from.

Rules are enforced twice: in `clean()` (so forms and the API answer with a
field-level message) and as database constraints (so no other path can store
a row that breaks them).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

# A figure dated this far in the future is a typo, not clock skew.
FUTURE_TOLERANCE = timedelta(minutes=10)


def validate_wgs84_point(point) -> None:
    """Reject coordinates that cannot be longitude/latitude in WGS84."""
    if point is None:
        return
    if not -180 <= point.x <= 180:
        raise ValidationError(
            "Longitude %(x)s is outside -180…180. Coordinates are WGS84 longitude, latitude.",
            params={"x": point.x},
            code="longitude_out_of_range",
        )
    if not -90 <= point.y <= 90:
        raise ValidationError(
            "Latitude %(y)s is outside -90…90. Did you swap longitude and latitude?",
            params={"y": point.y},
            code="latitude_out_of_range",
        )


def _not_in_future(value, field: str) -> dict[str, str]:
    if value and value > timezone.now() + FUTURE_TOLERANCE:
        return {field: "This time is in the future."}
    return {}


class Tracked(models.Model):
    """Who created and last changed a row, and when; every model has this."""

    created_at = models.DateTimeField(auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True, editable=False, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True


class ExternalId(models.Model):
    """Where an imported row came from, so a re-import updates instead of duplicating."""

    external_source = models.CharField(
        max_length=40,
        blank=True,
        help_text="The data set a row was imported from, e.g. 'gppd', 'acled', 'demo'.",
    )
    external_id = models.CharField(
        max_length=100,
        blank=True,
        help_text="The row's identifier in that data set, e.g. a GPPD id or an ACLED event id.",
    )

    class Meta:
        abstract = True

    def clean(self) -> None:
        super().clean()
        if self.external_id and not self.external_source:
            raise ValidationError(
                {"external_source": "Name the data set the external id comes from."}
            )


def external_id_unique(name: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=["external_source", "external_id"],
        condition=~Q(external_id=""),
        name=f"{name}_external_id_unique",
        violation_error_message="A record with this external source and id already exists.",
    )


# --------------------------------------------------------------------------- sources


class Source(Tracked, ExternalId):
    """Where a fact comes from, graded with the Admiralty (NATO) code."""

    class Kind(models.TextChoices):
        OFFICIAL_STATEMENT = "official_statement", "Official statement"
        SOCIAL_MEDIA = "social_media", "Social-media post"
        NEWS_REPORT = "news_report", "News report"
        SATELLITE = "satellite", "Satellite imagery"
        FIELD_REPORT = "field_report", "Field report"
        DATASET = "dataset", "Data set"

    class Reliability(models.TextChoices):
        A = "A", "A – completely reliable"
        B = "B", "B – usually reliable"
        C = "C", "C – fairly reliable"
        D = "D", "D – not usually reliable"
        E = "E", "E – unreliable"
        F = "F", "F – reliability cannot be judged"

    class Credibility(models.TextChoices):
        CONFIRMED = "1", "1 – confirmed by other sources"
        PROBABLY_TRUE = "2", "2 – probably true"
        POSSIBLY_TRUE = "3", "3 – possibly true"
        DOUBTFUL = "4", "4 – doubtful"
        IMPROBABLE = "5", "5 – improbable"
        CANNOT_JUDGE = "6", "6 – truth cannot be judged"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=300)
    url = models.URLField(max_length=1000, blank=True)
    publisher = models.CharField(
        max_length=200, blank=True, help_text="Publisher or platform, e.g. Telegram, Reuters."
    )
    speaker = models.CharField(max_length=200, blank=True, help_text="e.g. Denys Shmyhal")
    speaker_role = models.CharField(
        max_length=200, blank=True, help_text="e.g. Minister of Energy of Ukraine"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=10, blank=True, help_text="e.g. uk, en")
    quote = models.TextField(blank=True, help_text="The statement or excerpt this source gives.")
    reliability = models.CharField(
        max_length=1,
        choices=Reliability.choices,
        default=Reliability.F,
        help_text="Admiralty code: how reliable the source is (A–F).",
    )
    credibility = models.CharField(
        max_length=1,
        choices=Credibility.choices,
        default=Credibility.CANNOT_JUDGE,
        help_text="Admiralty code: how credible this piece of information is (1–6).",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            external_id_unique("source"),
            models.CheckConstraint(
                condition=Q(reliability__in=list("ABCDEF")),
                name="source_reliability_a_to_f",
                violation_error_message="Reliability must be a letter from A to F.",
            ),
            models.CheckConstraint(
                condition=Q(credibility__in=list("123456")),
                name="source_credibility_1_to_6",
                violation_error_message="Credibility must be a digit from 1 to 6.",
            ),
        ]
        indexes = [
            # Source lists and the API order by publication date.
            models.Index(fields=["-published_at"], name="source_published_idx"),
        ]

    def __str__(self) -> str:
        who = f"{self.speaker}: " if self.speaker else ""
        return f"{who}{self.title} [{self.grade}]"

    @property
    def grade(self) -> str:
        """The Admiralty grade as it is usually written, e.g. "B2"."""
        return f"{self.reliability}{self.credibility}"

    def clean(self) -> None:
        super().clean()
        errors = _not_in_future(self.published_at, "published_at")
        if errors:
            raise ValidationError(errors)


# --------------------------------------------------------------------------- regions


class Region(Tracked):
    """A first-level administrative unit (oblast, city with special status, republic)."""

    class Kind(models.TextChoices):
        OBLAST = "oblast", "Oblast"
        CITY = "city", "City with special status"
        REPUBLIC = "republic", "Autonomous republic"

    code = models.CharField(
        max_length=10, unique=True, help_text="ISO 3166-2 code, e.g. UA-30 for Kyiv city."
    )
    name_en = models.CharField("name (English)", max_length=100)
    name_uk = models.CharField("name (Ukrainian)", max_length=100, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.OBLAST)
    boundary = models.MultiPolygonField(
        srid=4326,
        null=True,
        blank=True,
        help_text="Without a boundary the region cannot be found from a point.",
    )

    history = HistoricalRecords(excluded_fields=["boundary"])

    class Meta:
        ordering = ["name_en"]

    def __str__(self) -> str:
        return f"{self.name_en} ({self.code})"

    def get_absolute_url(self) -> str:
        return reverse("region-detail", args=[self.code])


# --------------------------------------------------------------------------- facilities


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
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("facility-detail", args=[self.pk])


# --------------------------------------------------------------------------- attacks


class Attack(Tracked, ExternalId):
    """One strike event or wave of strikes."""

    class TimePrecision(models.TextChoices):
        EXACT = "exact", "Exact time"
        HOUR = "hour", "Within the hour"
        PART_OF_DAY = "part_of_day", "Part of day (e.g. early morning)"
        DAY = "day", "Day only"

    class Verification(models.TextChoices):
        REPORTED = "reported", "Reported"
        CORROBORATED = "corroborated", "Corroborated"
        VERIFIED = "verified", "Verified"
        DISPUTED = "disputed", "Disputed"

    # Only reviewers may move an attack into these states.
    REVIEWER_STATES = frozenset({Verification.VERIFIED, Verification.DISPUTED})

    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    time_precision = models.CharField(
        max_length=20, choices=TimePrecision.choices, default=TimePrecision.EXACT
    )
    perpetrator = models.CharField(max_length=200, default="Russian Armed Forces", blank=True)
    summary = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    regions = models.ManyToManyField(Region, blank=True, related_name="attacks")
    reported_region_count = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text='When a report gives only a number ("eight regions"), keep it here; '
        "link only the regions it names.",
    )
    impact_location = models.PointField(
        srid=4326, null=True, blank=True, validators=[validate_wgs84_point]
    )
    ambient_temperature_c = models.DecimalField(
        "ambient temperature (°C)",
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(-70), MaxValueValidator(60)],
    )
    killed = models.PositiveIntegerField(null=True, blank=True)
    injured = models.PositiveIntegerField(null=True, blank=True)
    verification_status = models.CharField(
        max_length=20, choices=Verification.choices, default=Verification.REPORTED
    )
    sources = models.ManyToManyField(Source, blank=True, related_name="attacks")
    is_illustrative = models.BooleanField(
        default=False, help_text="Made-up demo record, not a real event."
    )

    history = HistoricalRecords(m2m_fields=[regions, sources])

    class Meta:
        ordering = ["-started_at", "-id"]
        permissions = [("verify_attack", "Can mark an attack verified or disputed")]
        constraints = [
            external_id_unique("attack"),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="attack_ends_after_start",
                violation_error_message="An attack cannot end before it starts.",
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
            errors["ended_at"] = "The end is before the start."
        errors |= _not_in_future(self.started_at, "started_at")
        if errors:
            raise ValidationError(errors)


class WeaponUse(Tracked):
    """The weapons of one type (and model) used in an attack."""

    class WeaponType(models.TextChoices):
        BALLISTIC = "ballistic_missile", "Ballistic missile"
        CRUISE = "cruise_missile", "Cruise missile"
        HYPERSONIC = "hypersonic_missile", "Hypersonic missile"
        GUIDED_BOMB = "guided_bomb", "Guided aerial bomb"
        DRONE = "attack_drone", "Attack drone"
        ARTILLERY = "artillery", "Artillery"
        UNKNOWN = "unknown", "Unknown"

    attack = models.ForeignKey(Attack, on_delete=models.CASCADE, related_name="weapons")
    weapon_type = models.CharField(max_length=20, choices=WeaponType.choices)
    model = models.CharField(
        max_length=100, blank=True, help_text="e.g. Kh-101, Iskander-M, Shahed-136"
    )
    launched = models.PositiveIntegerField(null=True, blank=True, help_text="Empty if unknown.")
    intercepted = models.PositiveIntegerField(
        null=True, blank=True, help_text="Shot down or suppressed; empty if unknown."
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "weapon use"
        ordering = ["attack", "weapon_type", "model"]
        constraints = [
            models.UniqueConstraint(
                fields=["attack", "weapon_type", "model"],
                name="weaponuse_one_row_per_type_and_model",
                violation_error_message="This attack already lists that weapon type and model.",
            ),
            models.CheckConstraint(
                condition=Q(launched__isnull=True)
                | Q(intercepted__isnull=True)
                | Q(intercepted__lte=F("launched")),
                name="weaponuse_intercepted_lte_launched",
                violation_error_message="More weapons intercepted than launched.",
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
                    "intercepted": "More weapons intercepted than launched "
                    f"({self.intercepted} > {self.launched})."
                }
            )


class Damage(Tracked):
    """What one attack did to one facility."""

    class Severity(models.TextChoices):
        NONE = "none", "None"
        MINOR = "minor", "Minor"
        MODERATE = "moderate", "Moderate"
        SEVERE = "severe", "Severe"
        DESTROYED = "destroyed", "Destroyed"

    class Restoration(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        PARTIAL = "partial", "Partially restored"
        RESTORED = "restored", "Restored"

    attack = models.ForeignKey(Attack, on_delete=models.CASCADE, related_name="damages")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="damages")
    severity = models.CharField(max_length=10, choices=Severity.choices)
    description = models.TextField(blank=True)
    restoration_status = models.CharField(
        max_length=20, choices=Restoration.choices, default=Restoration.NOT_STARTED
    )
    restored_at = models.DateTimeField(null=True, blank=True)
    expected_restoration = models.DateField(null=True, blank=True)
    sources = models.ManyToManyField(Source, blank=True, related_name="damages")

    history = HistoricalRecords(m2m_fields=[sources])

    class Meta:
        verbose_name_plural = "damages"
        ordering = ["-attack__started_at", "facility__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["attack", "facility"],
                name="damage_one_per_attack_and_facility",
                violation_error_message="This attack already has a damage record for that "
                "facility; edit it instead.",
            ),
            models.CheckConstraint(
                condition=Q(restored_at__isnull=True) | Q(restoration_status="restored"),
                name="damage_restored_at_only_when_restored",
                violation_error_message="A restoration time needs the status 'restored'.",
            ),
        ]
        indexes = [
            # A facility's damage history (detail page, status derivation).
            models.Index(fields=["facility", "attack"], name="damage_facility_attack_idx"),
            # Severity filter.
            models.Index(fields=["severity"], name="damage_severity_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.facility} – {self.get_severity_display()}"

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.restored_at and self.restoration_status != self.Restoration.RESTORED:
            errors["restored_at"] = "A restoration time needs the status 'restored'."
        errors |= _not_in_future(self.restored_at, "restored_at")
        if (
            self.restored_at
            and self.attack_id
            and self.attack.started_at
            and self.restored_at < self.attack.started_at
        ):
            errors["restored_at"] = "Restored before the attack happened."
        if errors:
            raise ValidationError(errors)


class OutageReport(Tracked, ExternalId):
    """One outage figure at one time; the figures form a series per region and service."""

    class Service(models.TextChoices):
        HEATING = "heating", "Heating"
        ELECTRICITY = "electricity", "Electricity"
        WATER = "water", "Water"
        GAS = "gas", "Gas"

    class Unit(models.TextChoices):
        BUILDINGS = "buildings", "Buildings"
        CUSTOMERS = "customers", "Customers / users"
        HOUSEHOLDS = "households", "Households"
        PEOPLE = "people", "People"
        SETTLEMENTS = "settlements", "Settlements"

    class Qualifier(models.TextChoices):
        EXACT = "exact", "Exactly"
        AT_LEAST = "at_least", "Over / at least"
        ABOUT = "about", "About"
        UP_TO = "up_to", "Up to"

    # How a report's figure reads in a sentence ("over 1,100 buildings"): the pages, the
    # admin and the dashboard's script (through its page config) all word it from here.
    FIGURE_WORDING = {
        Qualifier.EXACT: "{count} {unit}",
        Qualifier.AT_LEAST: "over {count} {unit}",
        Qualifier.ABOUT: "about {count} {unit}",
        Qualifier.UP_TO: "up to {count} {unit}",
    }

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="outages")
    locality = models.CharField(max_length=200, blank=True)
    attack = models.ForeignKey(
        Attack, null=True, blank=True, on_delete=models.SET_NULL, related_name="outages"
    )
    service = models.CharField(max_length=20, choices=Service.choices)
    unit = models.CharField(max_length=20, choices=Unit.choices)
    count = models.PositiveIntegerField(help_text="How many are without the service.")
    count_qualifier = models.CharField(
        max_length=10,
        choices=Qualifier.choices,
        default=Qualifier.EXACT,
        help_text='How the report worded the figure, e.g. "over 1,100".',
    )
    as_of = models.DateTimeField(help_text="When the figure was true.")
    sources = models.ManyToManyField(Source, blank=True, related_name="outages")
    is_illustrative = models.BooleanField(default=False)

    history = HistoricalRecords(m2m_fields=[sources])

    class Meta:
        verbose_name = "outage report"
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
        ]

    def __str__(self) -> str:
        return (
            f"{self.region.code} {self.get_service_display()}: {self.count:,} "
            f"{self.get_unit_display().lower()}"
        )

    def figure(self, *, with_unit: bool = True) -> str:
        """The figure as the report worded it: "over 1,100 buildings", or "over 1,100"."""
        wording = self.FIGURE_WORDING.get(self.count_qualifier, "{count} {unit}")
        unit = self.get_unit_display().lower() if with_unit else ""
        return wording.format(count=f"{self.count:,}", unit=unit).strip()

    def clean(self) -> None:
        super().clean()
        errors = _not_in_future(self.as_of, "as_of")
        if errors:
            raise ValidationError(errors)


class ResponseMeasure(Tracked):
    """What was done about an attack or in a region."""

    class Kind(models.TextChoices):
        POWER_CUTS = "power_cuts", "Emergency power cuts"
        GENERATORS = "generators", "Mobile generators deployed"
        HEATING_POINTS = "heating_points", "Heating points opened"
        REPAIR_CREWS = "repair_crews", "Repair crews"
        RESOURCES = "resources", "Resources allocated"
        AIR_DEFENCE_REQUEST = "air_defence_request", "Air-defence request"
        OFFICIAL_VISIT = "official_visit", "Official visit / inspection"
        OTHER = "other", "Other"

    kind = models.CharField(max_length=30, choices=Kind.choices)
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="responses"
    )
    attack = models.ForeignKey(
        Attack, null=True, blank=True, on_delete=models.CASCADE, related_name="responses"
    )
    description = models.TextField()
    actor = models.CharField(
        max_length=200, blank=True, help_text="Who acted, e.g. Ministry of Energy."
    )
    quantity = models.PositiveIntegerField(
        null=True, blank=True, help_text="e.g. the number of generators."
    )
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    sources = models.ManyToManyField(Source, blank=True, related_name="responses")

    history = HistoricalRecords(m2m_fields=[sources])

    class Meta:
        verbose_name = "response measure"
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(region__isnull=False) | Q(attack__isnull=False),
                name="response_has_region_or_attack",
                violation_error_message="Link the measure to a region, an attack, or both.",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True)
                | Q(started_at__isnull=True)
                | Q(ended_at__gte=F("started_at")),
                name="response_ends_after_start",
                violation_error_message="A measure cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=0) | Q(quantity__isnull=True),
                name="response_quantity_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description[:60]}"

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        # An attack entered in the same form has no id yet but is linked all the same.
        if self.region_id is None and self.attack_id is None and self.attack is None:
            errors["region"] = "Link the measure to a region, an attack, or both."
        if self.started_at and self.ended_at and self.ended_at < self.started_at:
            errors["ended_at"] = "The end is before the start."
        errors |= _not_in_future(self.started_at, "started_at")
        if errors:
            raise ValidationError(errors)


# --------------------------------------------------------------------------- imports


def _import_upload_to(instance: ImportJob, filename: str) -> str:
    return f"imports/{timezone.now():%Y/%m}/{filename}"


class ImportJob(Tracked):
    """One uploaded file being imported: its format, options, progress and result.

    Progress and counters are written together with each batch of rows, so a
    worker that dies mid-file leaves a job another worker can resume exactly
    where the last committed batch ended.
    """

    class Format(models.TextChoices):
        FACILITIES_GEOJSON = "facilities-geojson", "Facilities (GeoJSON, e.g. OpenStreetMap)"
        GPPD = "gppd", "Global Power Plant Database (CSV)"
        ACLED = "acled", "ACLED events (CSV)"
        MISSILE_ATTACKS = "missile-attacks", "Massive missile attacks on Ukraine (CSV)"
        OUTAGES_CSV = "outages-csv", "Outage figures (CSV)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    format = models.CharField(max_length=30, choices=Format.choices)
    file = models.FileField(upload_to=_import_upload_to, max_length=300)
    options = models.JSONField(
        default=dict,
        blank=True,
        help_text='Format options, e.g. {"country": "UKR"} for GPPD, '
        '{"energy_only": true} for ACLED, {"external_source": "osm"} for GeoJSON.',
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_processed = models.PositiveIntegerField(default=0)
    rows_created = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_skipped = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    row_errors = models.JSONField(
        default=list, blank=True, help_text="Rejected rows: [{line, reason}, …]."
    )
    error_message = models.TextField(
        blank=True, help_text="Why the file as a whole could not be imported."
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last progress write of the worker running the job."
    )
    attempts = models.PositiveSmallIntegerField(default=0)

    # Progress writes are queryset updates and leave no history; the history
    # keeps who submitted what and how each run ended.
    history = HistoricalRecords(excluded_fields=["row_errors", "heartbeat_at"])

    class Meta:
        verbose_name = "import job"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True)
                | Q(started_at__isnull=True)
                | Q(finished_at__gte=F("started_at")),
                name="importjob_finishes_after_start",
            ),
        ]
        indexes = [
            # Stale-job recovery: running jobs whose worker stopped reporting.
            models.Index(fields=["status", "heartbeat_at"], name="importjob_status_beat_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_format_display()} import #{self.pk} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def progress_percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(100, round(100 * self.rows_processed / self.rows_total))
