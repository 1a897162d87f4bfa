"""The admin for sources."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from incidents.admin.base import AUDIT_FIELDSET, TrackedAdmin
from incidents.models import (
    Source,
)
from incidents.services import sources


@admin.register(Source)
class SourceAdmin(TrackedAdmin):
    writes = sources.SOURCE_WRITES
    list_display = ("title", "kind", "publisher", "speaker", "published_at", "grade")
    list_filter = (
        "kind",
        "reliability",
        "credibility",
        ("published_at", admin.DateFieldListFilter),
    )
    search_fields = ("title", "speaker", "speaker_role", "publisher", "quote", "url")
    date_hierarchy = "published_at"
    fieldsets = (
        (None, {"fields": ("kind", "title", "url", "publisher", "published_at", "language")}),
        (_("Who said it"), {"fields": ("speaker", "speaker_role", "quote")}),
        (
            _("Admiralty grade"),
            {
                "fields": (("reliability", "credibility"),),
                "description": _("Source reliability A–F and information credibility 1–6."),
            },
        ),
        (_("Import"), {"classes": ("collapse",), "fields": ("external_source", "external_id")}),
        AUDIT_FIELDSET,
    )

    @admin.display(description=_("grade"), ordering="reliability")
    def grade(self, obj: Source) -> str:
        return obj.grade
