"""Import jobs (their lifecycle from upload to finish) and the bulk writes of large imports.

`attacks_upsert_batch` writes many imported attacks at once with COPY; each
row is validated as the attack service validates it (`full_clean`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import connection, models, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from incidents.models import Attack, ImportJob
from incidents.services.base import (
    UPSERT_CREATED,
    UPSERT_UNCHANGED,
    UPSERT_UPDATED,
    User,
    record_save,
)
from incidents.services.base import real_user as _real_user
from incidents.services.verification import may_verify


@dataclass(frozen=True)
class AttackRow:
    """One attack to upsert in a batch: its fields (with external source and id) and links."""

    fields: dict[str, Any]
    region_ids: frozenset[int] = frozenset()
    source_ids: frozenset[int] = frozenset()

    @property
    def key(self) -> tuple[str, str]:
        return self.fields["external_source"], self.fields["external_id"]


def _attack_row_matches(attack: Attack, row: AttackRow, links: tuple[set, set]) -> bool:
    return all(getattr(attack, name) == value for name, value in row.fields.items()) and links == (
        set(row.region_ids),
        set(row.source_ids),
    )


_HISTORY_OWN_COLUMNS = frozenset(
    {"history_id", "history_date", "history_change_reason", "history_type", "history_user_id"}
)


def _history_from_table(
    model: type[models.Model], ids: Sequence[int], history_type: str, user: User
) -> None:
    """Write the history rows of many saved rows with one INSERT … SELECT.

    The same rows django-simple-history writes on save ("+" created, "~"
    changed), copied inside the database instead of built one by one in Python.
    """
    if not ids:
        return
    history = model.history.model
    columns = [
        field.column
        for field in history._meta.concrete_fields
        if field.column not in _HISTORY_OWN_COLUMNS
    ]
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(history._meta.db_table)} "  # noqa: S608
        f"({quoted}, history_date, history_type, history_user_id, history_change_reason) "
        f"SELECT {quoted}, %s, %s, %s, NULL FROM {connection.ops.quote_name(model._meta.db_table)} "
        "WHERE id = ANY(%s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [timezone.now(), history_type, user.pk if user else None, list(ids)])


def _copy_insert(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert many new, validated rows with COPY (ids drawn from the table's sequence first).

    COPY is several times faster than a multi-row INSERT built by the ORM, and
    the rows it writes are the same; the database checks every constraint.
    """
    from django.contrib.gis.db.models import GeometryField

    qn = connection.ops.quote_name
    table = model._meta.db_table
    fields = model._meta.concrete_fields
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(objs)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        columns = ", ".join(qn(field.column) for field in fields)
        with cursor.cursor.copy(f"COPY {qn(table)} ({columns}) FROM STDIN") as copy:
            for obj, pk in zip(objs, ids, strict=True):
                obj.pk = pk
                row = []
                for field in fields:
                    value = getattr(obj, field.attname)
                    if isinstance(field, GeometryField) and value is not None:
                        value = value.ewkt
                    row.append(value)
                copy.write_row(row)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


@transaction.atomic
def attacks_upsert_batch(*, user: User, rows: Sequence[AttackRow]) -> list[str | ValidationError]:
    """Upsert many imported attacks at once; per row "created", "updated", "skipped" or the error.

    Each row is validated as `record_save` validates it (`full_clean`: field
    validators, choices, `Attack.clean`); the database constraints are then
    enforced by the insert itself rather than by one query per row and
    constraint, and uniqueness by looking up the batch's external ids at once.
    The author check of `record_save` for verification states does not apply:
    imported attacks are "reported". An update keeps the stored status, except
    that a verified attack updated by someone who may not verify goes back to
    corroborated, as with every other edit. History rows are written in bulk too.
    An IntegrityError (a constraint the row broke) aborts the whole batch, so
    callers fall back to `record_upsert` row by row to find and report it.
    """
    real_user = _real_user(user)
    now = timezone.now()
    by_source: dict[str, set[str]] = {}
    for row in rows:
        by_source.setdefault(row.key[0], set()).add(row.key[1])
    stored: dict[tuple[str, str], Attack] = {}
    links: dict[tuple[str, str], tuple[set, set]] = {}
    for source, ids in by_source.items():
        for attack in Attack.objects.filter(external_source=source, external_id__in=ids):
            stored[(source, attack.external_id)] = attack
            links[(source, attack.external_id)] = (set(), set())
    if stored:
        key_of = {attack.pk: key for key, attack in stored.items()}
        for attack_id, region_id in Attack.regions.through.objects.filter(
            attack_id__in=key_of
        ).values_list("attack_id", "region_id"):
            links[key_of[attack_id]][0].add(region_id)
        for attack_id, source_id in Attack.sources.through.objects.filter(
            attack_id__in=key_of
        ).values_list("attack_id", "source_id"):
            links[key_of[attack_id]][1].add(source_id)

    outcomes: list[str | ValidationError] = []
    new: dict[tuple[str, str], Attack] = {}
    changed: dict[tuple[str, str], Attack] = {}
    wanted_links: dict[tuple[str, str], AttackRow] = {}
    for row in rows:
        key = row.key
        current = new.get(key) or changed.get(key) or stored.get(key)
        current_links = (
            (set(wanted_links[key].region_ids), set(wanted_links[key].source_ids))
            if key in wanted_links
            else links.get(key)
        )
        if current is not None and _attack_row_matches(current, row, current_links):
            outcomes.append(UPSERT_UNCHANGED)
            continue
        attack = Attack(**row.fields)
        attack.updated_by = real_user
        attack.updated_at = now
        if key in stored:
            attack.pk = stored[key].pk
            attack.created_at = stored[key].created_at
            attack.created_by_id = stored[key].created_by_id
            status = row.fields.get("verification_status", stored[key].verification_status)
            if status == Attack.Verification.VERIFIED and not may_verify(user):
                status = Attack.Verification.CORROBORATED
            attack.verification_status = status
        else:
            attack.created_by = real_user
            attack.created_at = now
        try:
            # The audit users exist; checking each one would cost a query per row.
            attack.full_clean(
                exclude=["created_by", "updated_by"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            outcomes.append(exc)
            continue
        if key in stored:
            changed[key] = attack
            outcomes.append(UPSERT_UPDATED)
        else:
            outcomes.append(UPSERT_UPDATED if key in new else UPSERT_CREATED)
            new[key] = attack
        wanted_links[key] = row

    if new:
        _copy_insert(Attack, list(new.values()))
        _history_from_table(Attack, [a.pk for a in new.values()], "+", real_user)
    if changed:
        field_names = list(
            dict.fromkeys([*rows[0].fields, "verification_status", "updated_at", "updated_by"])
        )
        Attack.objects.bulk_update(list(changed.values()), fields=field_names)
        changed_ids = [attack.pk for attack in changed.values()]
        _history_from_table(Attack, changed_ids, "~", real_user)
        Attack.regions.through.objects.filter(attack_id__in=changed_ids).delete()
        Attack.sources.through.objects.filter(attack_id__in=changed_ids).delete()
    region_links, source_links = [], []
    for key, row in wanted_links.items():
        attack_id = (new.get(key) or changed[key]).pk
        region_links += [
            Attack.regions.through(attack_id=attack_id, region_id=region_id)
            for region_id in row.region_ids
        ]
        source_links += [
            Attack.sources.through(attack_id=attack_id, source_id=source_id)
            for source_id in row.source_ids
        ]
    Attack.regions.through.objects.bulk_create(region_links, ignore_conflicts=True)
    Attack.sources.through.objects.bulk_create(source_links, ignore_conflicts=True)
    return outcomes


def file_size_text(size: int) -> str:
    """A size as people read it: "812 bytes", "14.2 KB", "250.3 MB", "1.4 GB"."""
    for unit, factor in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if size >= factor:
            return f"{size / factor:,.1f}".removesuffix(".0") + f" {unit}"
    return f"{size:,} bytes"


def import_file_size_check(*, size: int) -> None:
    """Refuse a file larger than IMPORT_MAX_BYTES, saying how large it is and what the limit is.

    The admin form, the API and the command call this before anything is stored,
    and `import_job_create` once more, for any other caller.
    """
    limit = settings.IMPORT_MAX_BYTES
    if size <= limit:
        return
    shown, most = file_size_text(size), file_size_text(limit)
    if shown == most:  # Rounded alike, they would not show why the file is refused.
        shown, most = f"{size:,} bytes", f"{limit:,} bytes"
    raise ValidationError(
        {
            "file": ValidationError(
                f"The file is {shown}; imports take at most {most} (IMPORT_MAX_BYTES).",
                code="file_too_large",
            )
        }
    )


# What a run counts as it goes; written with each batch, read back after an error.
_JOB_COUNTERS = [
    "rows_total",
    "rows_processed",
    "rows_created",
    "rows_updated",
    "rows_skipped",
    "rows_rejected",
    "row_errors",
]


def import_job_create(
    *,
    created_by: User,
    format: str,
    file: File,
    options: Mapping[str, Any] | None = None,
    enqueue: bool = True,
) -> ImportJob:
    """Store an uploaded file as a queued import and hand it to a worker after commit."""
    import_file_size_check(size=file.size)
    job = ImportJob(format=format, options=dict(options or {}))
    job.file.save(os.path.basename(file.name or "upload"), file, save=False)
    try:
        record_save(instance=job, user=created_by)
    except ValidationError:
        job.file.delete(save=False)
        raise
    if enqueue:
        transaction.on_commit(lambda: import_job_enqueue(job_id=job.pk))
    return job


def import_job_enqueue(*, job_id: int) -> None:
    from incidents.tasks import run_import

    run_import.apply_async(args=[job_id], queue=settings.IMPORT_QUEUE)


def import_job_claim(*, job_id: int) -> ImportJob | None:
    """Take a queued job, or a running one whose worker stopped reporting; None if taken.

    One conditional UPDATE decides, so two workers never run the same job. A job
    already started IMPORT_MAX_ATTEMPTS times is not started again: its last
    worker stopped without finishing it (a file that exhausts the memory or
    crashes the parser takes its worker down with no handler running), and the
    next one would most likely go the same way. It is marked failed instead.
    """
    now = timezone.now()
    stale_before = now - timedelta(seconds=settings.IMPORT_STALE_SECONDS)
    claimable = ImportJob.objects.filter(pk=job_id).filter(
        Q(status=ImportJob.Status.QUEUED)
        | Q(status=ImportJob.Status.RUNNING, heartbeat_at__lt=stale_before)
        | Q(status=ImportJob.Status.RUNNING, heartbeat_at__isnull=True)
    )
    claimed = claimable.filter(attempts__lt=settings.IMPORT_MAX_ATTEMPTS).update(
        status=ImportJob.Status.RUNNING,
        started_at=Coalesce("started_at", Value(now)),
        heartbeat_at=now,
        attempts=F("attempts") + 1,
    )
    if claimed == 1:
        return ImportJob.objects.select_related("created_by").get(pk=job_id)
    # The same condition takes the job to be given up, so only one caller records it.
    given_up = claimable.update(status=ImportJob.Status.FAILED, heartbeat_at=None)
    if given_up == 1:
        job = ImportJob.objects.select_related("created_by").get(pk=job_id)
        import_job_finish(job=job, status=ImportJob.Status.FAILED, error_message=_gave_up(job))
    return None


def _gave_up(job: ImportJob) -> str:
    message = (
        f"The import was tried {job.attempts} times and the last attempt did not finish: its "
        "worker stopped, which a file can cause (for example by exhausting the memory). It "
        "will not be tried again (IMPORT_MAX_ATTEMPTS)."
    )
    return message + _rows_kept(job)


def _rows_kept(job: ImportJob) -> str:
    if not job.rows_processed:
        return ""
    total = f" of {job.rows_total:,}" if job.rows_total else ""
    return f" {job.rows_processed:,}{total} rows were processed before it stopped; they are kept."


def import_job_failed_unexpectedly(*, job: ImportJob, error: BaseException) -> ImportJob:
    """End a run that raised something no importer expects, with a message for a person.

    The counters are read back first: the batch that was being written when the
    error came was rolled back, so only committed rows count.
    """
    job.refresh_from_db(fields=_JOB_COUNTERS)
    detail = " ".join(str(error).split())
    if len(detail) > 300:
        detail = detail[:299] + "…"
    what = f"{type(error).__name__}: {detail}" if detail else type(error).__name__
    return import_job_finish(
        job=job,
        status=ImportJob.Status.FAILED,
        error_message=(
            f"The import stopped on an unexpected error ({what}); the file was not fully "
            "imported." + _rows_kept(job)
        ),
    )


def import_job_finish(*, job: ImportJob, status: str, error_message: str = "") -> ImportJob:
    """Record how a run ended (through save, so the history keeps it)."""
    job.status = status
    job.error_message = error_message
    job.finished_at = timezone.now()
    if job.started_at is None or job.started_at > job.finished_at:
        job.started_at = job.finished_at
    job._history_user = job.created_by
    job.save(
        update_fields=[
            "status",
            "error_message",
            "finished_at",
            "started_at",
            *_JOB_COUNTERS,
            "updated_at",
        ]
    )
    return job


def import_job_run(*, job: ImportJob) -> ImportJob:
    """Run a claimed job to its end in this process."""
    from incidents.importers import run_job

    return run_job(job)


def requeue_running_imports() -> list[int]:
    """Queue again every job marked running; workers call this when they start.

    A worker that was killed mid-file leaves its job "running" and its message
    unacknowledged until the broker's visibility timeout. Queuing it again is
    harmless: the task's claim skips a job another live worker still holds
    (it retries once that worker's heartbeat would be stale) and a finished one,
    and gives up a job that has had all its attempts.
    """
    job_ids = list(
        ImportJob.objects.filter(status=ImportJob.Status.RUNNING).values_list("pk", flat=True)
    )
    for job_id in job_ids:
        import_job_enqueue(job_id=job_id)
    return job_ids
