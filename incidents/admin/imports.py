"""Admin for import jobs: upload a file, choose its format and options, watch it run."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from incidents.imports import jobs
from incidents.imports.formats import (
    IMPORTERS,
    all_options,
    check_publication_state,
    clean_format_options,
    is_csv,
    template_csv,
)
from incidents.imports.workers import why_no_worker_lately
from incidents.models import ImportJob


def job_status(job: ImportJob) -> dict[str, Any]:
    """What the progress bar (and the API) shows about a job."""
    return {
        "id": job.pk,
        "format": job.format,
        "status": job.status,
        "rows_total": job.rows_total,
        "rows_processed": job.rows_processed,
        "rows_created": job.rows_created,
        "rows_updated": job.rows_updated,
        "rows_skipped": job.rows_skipped,
        "rows_rejected": job.rows_rejected,
        "progress_percent": job.progress_percent,
        "error_message": job.error_message,
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


def worker_hint(job: ImportJob) -> str | None:
    """For a job still queued: that no worker is answering, and how to start one."""
    if job.status != ImportJob.Status.QUEUED:
        return None
    reason = why_no_worker_lately(settings.IMPORT_QUEUE)
    if reason is None:
        return None
    return _(
        "No worker is answering (%(reason)s); the job will start when one runs. Start one "
        "with: .venv/bin/celery -A infra_tracker worker -Q %(queue)s (make run starts one "
        "when Redis answers; with docker compose, the worker service does)."
    ) % {"reason": reason, "queue": settings.IMPORT_QUEUE}


def format_guides() -> list[dict[str, Any]]:
    """What the import form shows of each format: its columns and, for CSV, a template."""
    return [
        {
            "format": fmt,
            "name": ImportJob.Format(fmt).label,
            "label": importer.label,
            "csv": is_csv(fmt),
            "required": [column for column in importer.columns if column.required],
            "optional": [column for column in importer.columns if not column.required],
        }
        for fmt, importer in IMPORTERS.items()
    ]


class _ImportJobForm(forms.ModelForm):
    # Who imports (ImportJobAdmin.get_form sets it): publishing needs a reviewer.
    user = None

    class Meta:
        model = ImportJob
        fields = ["format", "file"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("file") is not None:
            # Refused before anything is stored, as the file's own field error.
            jobs.import_file_size_check(size=cleaned["file"].size)
        if fmt := cleaned.get("format"):
            given = {
                option.name: cleaned.get(option.name)
                for option in IMPORTERS[fmt].accepts
                if option.name not in self.errors
            }
            try:
                self.job_options = clean_format_options(fmt, given)
            except ValidationError as exc:
                self.add_error(None, exc.messages)
                return cleaned
            try:
                check_publication_state(fmt, self.job_options, user=self.user)
            except ValidationError as exc:
                self.add_error("publication_state", exc.messages)
        return cleaned


# The file, its format and the options of every format, each saying which formats take it.
ImportJobForm = type(_ImportJobForm)(
    "ImportJobForm",
    (_ImportJobForm,),
    {
        "__module__": __name__,
        **{name: option.form_field(label) for name, (option, label) in all_options().items()},
    },
)


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    form = ImportJobForm
    change_form_template = "admin/incidents/importjob/change_form.html"
    list_display = [
        "__str__",
        "format",
        "status",
        "progress",
        "rows_created",
        "rows_updated",
        "rows_skipped",
        "rows_rejected",
        "created_by",
        "created_at",
    ]
    list_filter = ["status", "format"]
    list_select_related = ["created_by"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "format",
        "file_name",
        "options_display",
        "status",
        "rows_total",
        "rows_processed",
        "rows_created",
        "rows_updated",
        "rows_skipped",
        "rows_rejected",
        "error_message",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
        "attempts",
    ]

    @admin.display(description=_("progress"))
    def progress(self, job: ImportJob) -> str:
        return f"{job.progress_percent} %"

    @admin.display(description=_("file"))
    def file_name(self, job: ImportJob) -> str:
        # Uploaded files are never web-served, so the name is shown without a link.
        return job.file.name

    @admin.display(description=_("options"))
    def options_display(self, job: ImportJob) -> str:
        return format_html("<code>{}</code>", json.dumps(job.options, ensure_ascii=False))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        # A class of its own per request: the user must not stay on the shared form class.
        return type(form.__name__, (form,), {"user": request.user})

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["format", "file", *all_options()]
        return self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def has_change_permission(self, request, obj=None) -> bool:
        # A job is read-only once submitted; the change page shows its progress.
        return False

    def save_model(self, request, obj, form, change) -> None:
        job = jobs.import_job_create(
            created_by=request.user,
            format=form.cleaned_data["format"],
            file=form.cleaned_data["file"],
            options=form.job_options,
        )
        obj.pk = job.pk
        obj.__dict__.update(job.__dict__)

    def response_add(self, request, obj, post_url_continue=None):
        # After the upload, go straight to the job's page to watch its progress.
        messages.success(request, gettext("%(job)s was queued.") % {"job": obj})
        return redirect("admin:incidents_importjob_change", obj.pk)

    def get_urls(self):
        return [
            path(
                "<int:pk>/progress/",
                self.admin_site.admin_view(self.progress_view),
                name="incidents_importjob_progress",
            ),
            path(
                "template/<str:fmt>.csv",
                self.admin_site.admin_view(self.template_view),
                name="incidents_importjob_template",
            ),
            *super().get_urls(),
        ]

    def progress_view(self, request: HttpRequest, pk: int) -> JsonResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        job = get_object_or_404(ImportJob, pk=pk)
        return JsonResponse({**job_status(job), "worker_hint": worker_hint(job)})

    def template_view(self, request: HttpRequest, fmt: str) -> HttpResponse:
        """A CSV format's columns with one example row, to fill in and import."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if fmt not in IMPORTERS or not is_csv(fmt):
            raise Http404(_("No CSV import format is called %(format)s.") % {"format": fmt})
        response = HttpResponse(template_csv(fmt), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{fmt}-template.csv"'
        return response

    def add_view(self, request, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "format_guides": format_guides()}
        return super().add_view(request, form_url, extra_context)
