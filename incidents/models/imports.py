"""Import jobs: one uploaded file being imported, its progress and its result."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from incidents.models.base import Tracked


def _import_upload_to(instance: ImportJob, filename: str) -> str:
    return f"imports/{timezone.now():%Y/%m}/{filename}"


class ImportJob(Tracked):
    """One uploaded file being imported: its format, options, progress and result.

    Progress and counters are written together with each batch of rows, so a
    worker that dies mid-file leaves a job another worker can resume exactly
    where the last committed batch ended.
    """

    class Format(models.TextChoices):
        FACILITIES_GEOJSON = "facilities-geojson", _("Facilities (GeoJSON, e.g. OpenStreetMap)")
        GPPD = "gppd", _("Global Power Plant Database (CSV)")
        ACLED = "acled", _("ACLED events (CSV)")
        MISSILE_ATTACKS = "missile-attacks", _("Massive missile attacks on Ukraine (CSV)")
        OUTAGES_CSV = "outages-csv", _("Outage figures (CSV)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    format = models.CharField(max_length=30, choices=Format.choices, verbose_name=_("format"))
    file = models.FileField(upload_to=_import_upload_to, max_length=300, verbose_name=_("file"))
    options = models.JSONField(
        verbose_name=_("options"),
        default=dict,
        blank=True,
        help_text=_(
            'Format options, e.g. {"country": "UKR"} for GPPD, '
            '{"energy_only": true} for ACLED, {"external_source": "osm"} for GeoJSON.'
        ),
    )
    status = models.CharField(
        verbose_name=_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    rows_total = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("rows total"))
    rows_processed = models.PositiveIntegerField(default=0, verbose_name=_("rows processed"))
    rows_created = models.PositiveIntegerField(default=0, verbose_name=_("rows created"))
    rows_updated = models.PositiveIntegerField(default=0, verbose_name=_("rows updated"))
    rows_skipped = models.PositiveIntegerField(default=0, verbose_name=_("rows skipped"))
    rows_rejected = models.PositiveIntegerField(default=0, verbose_name=_("rows rejected"))
    row_errors = models.JSONField(
        verbose_name=_("row errors"),
        default=list,
        blank=True,
        help_text=_("Rejected rows: [{line, reason}, …]."),
    )
    error_message = models.TextField(
        verbose_name=_("error message"),
        blank=True,
        help_text=_("Why the file as a whole could not be imported."),
    )
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    heartbeat_at = models.DateTimeField(
        verbose_name=_("heartbeat at"),
        null=True,
        blank=True,
        help_text=_("Last progress write of the worker running the job."),
    )
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))

    # Progress writes are queryset updates and leave no history; the history
    # keeps who submitted what and how each run ended.
    history = HistoricalRecords(excluded_fields=["row_errors", "heartbeat_at"])

    class Meta:
        verbose_name_plural = _("import jobs")
        verbose_name = _("import job")
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
