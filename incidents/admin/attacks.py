"""The admin for attacks, with their weapons, damages, outages and responses inline."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import (
    Prefetch,
    QuerySet,
    TextField,
)
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from incidents.admin.base import (
    AUDIT_FIELDSET,
    AttackChildInline,
    RowVersionInlineMixin,
    ServiceInlineMixin,
    TrackedAdmin,
    region_filter,
    subquery_count,
    subquery_sum,
)
from incidents.admin.facilities import FacilityChoiceMixin
from incidents.admin.review import PublicationAdminMixin
from incidents.forms import (
    VERIFY_PERMISSION,
    AttackForm,
    RowVersionForm,
    point_text,
)
from incidents.models import (
    Attack,
    Damage,
    OutageReport,
    Region,
    ResponseMeasure,
    WeaponUse,
)
from incidents.services import attacks, facilities, outages


class AttackPartForm(RowVersionForm):
    """A damage, outage or response row of the attack form, with its sources.

    The form's script pre-selects the attack's sources in a new row; a new row in
    which nothing but those sources was filled in is still an empty row.
    """

    def has_changed(self) -> bool:
        if self.instance.pk is None:
            return any(name != "sources" for name in self.changed_data)
        return super().has_changed()


class WeaponUseInline(AttackChildInline):
    writes = attacks.WEAPON_USE_WRITES
    model = WeaponUse
    fields = ("weapon_type", "model", "launched", "intercepted")
    extra = 1


class AttackPartInline(
    RowVersionInlineMixin, ServiceInlineMixin, FacilityChoiceMixin, admin.StackedInline
):
    """A stacked row: several short fields to a line, so the form fits a laptop's width."""

    form = AttackPartForm
    extra = 0
    show_change_link = True
    # A stacked row has room for a wide text box, not a tall one.
    formfield_overrides = {TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 60})}}


class DamageInline(AttackPartInline):
    writes = facilities.DAMAGE_WRITES
    model = Damage
    fields = (
        ("facility", "severity"),
        ("restoration_status", "restored_at", "expected_restoration"),
        "description",
        "sources",
    )
    autocomplete_fields = ("facility", "sources")
    extra = 1


class OutageReportInline(AttackPartInline):
    writes = outages.OUTAGE_REPORT_WRITES
    model = OutageReport
    fields = (
        ("region", "locality"),
        ("service", "unit"),
        ("count_qualifier", "count", "as_of"),
        "sources",
    )
    autocomplete_fields = ("region", "sources")


class ResponseMeasureInline(AttackPartInline):
    writes = outages.RESPONSE_MEASURE_WRITES
    model = ResponseMeasure
    fields = (
        ("kind", "region"),
        "description",
        ("actor", "quantity"),
        ("started_at", "ended_at"),
        "sources",
    )
    autocomplete_fields = ("region", "sources")


# What "Save as new" carries into the new draft: the attack's fields, regions, sources
# and weapons. What the strike did (damages, outages, responses) is the new one's own.
NOT_COPIED_AS_NEW = (Damage, OutageReport, ResponseMeasure)
SAVED_AS_NEW_MESSAGE = _(
    "Saved as a new draft with the regions, weapons and sources of the attack it was "
    "copied from. Check the time and the figures, and add what this strike damaged."
)


@admin.register(Attack)
class AttackAdmin(PublicationAdminMixin, TrackedAdmin):
    writes = attacks.ATTACK_WRITES
    form = AttackForm
    inlines = (WeaponUseInline, DamageInline, OutageReportInline, ResponseMeasureInline)
    # "Save as new" starts the next report of a similar strike (see changeform_view).
    save_as = True
    list_display = (
        "started_at",
        "summary",
        "region_codes",
        "launched_intercepted",
        "facilities_hit",
        "killed",
        "injured",
        "verification_status",
    )
    list_display_links = ("started_at", "summary")
    list_filter = (
        "verification_status",
        ("started_at", admin.DateFieldListFilter),
        region_filter("regions"),
        ("weapons__weapon_type", admin.ChoicesFieldListFilter),
        ("damages__facility__kind", admin.ChoicesFieldListFilter),
        ("damages__severity", admin.ChoicesFieldListFilter),
        "is_illustrative",
    )
    search_fields = ("summary", "description", "perpetrator", "external_id")
    date_hierarchy = "started_at"
    autocomplete_fields = ("regions", "sources")
    actions = ("mark_corroborated", "mark_verified", "mark_disputed")
    fieldsets = (
        (None, {"fields": ("summary", "description", "perpetrator")}),
        (_("When"), {"fields": (("started_at", "ended_at"), "time_precision")}),
        (
            _("Where"),
            {
                "fields": (
                    "regions",
                    "reported_region_count",
                    "impact_coordinates",
                    "impact_location",
                ),
                "description": _(
                    "Link the regions a report names; when it gives only a number "
                    "(“eight regions”), put the number in the reported count."
                ),
            },
        ),
        (_("Toll"), {"fields": (("killed", "injured"), "ambient_temperature_c")}),
        (_("Review"), {"fields": ("verification_status", "sources")}),
        (
            _("Other"),
            {
                "classes": ("collapse",),
                "fields": ("external_source", "external_id", "is_illustrative"),
            },
        ),
        AUDIT_FIELDSET,
    )

    class Media:
        js = ("incidents/coordinates.js", "incidents/admin-forms.js")
        css = {"all": ("incidents/admin-forms.css",)}

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        if request.method == "POST" and "_saveasnew" in request.POST:
            # The copy is a new report: reported, a draft (the default of a new row),
            # and not the imported row it may have been copied from.
            data = request.POST.copy()
            data["verification_status"] = Attack.Verification.REPORTED
            data["external_source"] = ""
            data["external_id"] = ""
            request.POST = data
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if "_saveasnew" in request.POST and formset.model in NOT_COPIED_AS_NEW:
            # Nothing saved: the change message (construct_change_message) says so.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            return
        super().save_formset(request, form, formset, change)

    def response_add(self, request: HttpRequest, obj: Attack, post_url_continue=None):
        if "_saveasnew" in request.POST:
            self.message_user(request, SAVED_AS_NEW_MESSAGE, messages.INFO)
        return super().response_add(request, obj, post_url_continue)

    def inline_links(self, form: Any, inline_form: Any) -> dict[str, Any]:
        """A damage, outage or response saved without sources cites the attack's."""
        links = super().inline_links(form, inline_form)
        if "sources" in links and not links["sources"]:
            links["sources"] = list(form.instance.sources.all())
        return links

    @admin.display(description=_("coordinates"))
    def impact_coordinates(self, obj: Attack) -> str:
        return point_text(obj.impact_location)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Attack]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                launched_total=subquery_sum(WeaponUse, "attack", "launched"),
                intercepted_total=subquery_sum(WeaponUse, "attack", "intercepted"),
                facilities_n=subquery_count(Damage, "attack"),
            )
            .prefetch_related(Prefetch("regions", queryset=Region.objects.only("code", "name_en")))
        )

    @admin.display(description=_("regions"))
    def region_codes(self, obj: Attack) -> str:
        codes = ", ".join(region.code for region in obj.regions.all())
        if obj.reported_region_count:
            return (
                f"{codes} ({obj.reported_region_count} reported)"
                if codes
                else (f"{obj.reported_region_count} reported")
            )
        return codes or "—"

    @admin.display(description=_("launched / intercepted"), ordering="launched_total")
    def launched_intercepted(self, obj: Attack) -> str:
        def shown(value: int | None) -> str:
            return "?" if value is None else f"{value:,}"

        if obj.launched_total is None and obj.intercepted_total is None:
            return "—"
        return f"{shown(obj.launched_total)} / {shown(obj.intercepted_total)}"

    @admin.display(description=_("facilities hit"), ordering="facilities_n")
    def facilities_hit(self, obj: Attack) -> int:
        return obj.facilities_n

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        was_verified = form.initial.get("verification_status") == Attack.Verification.VERIFIED
        if change and was_verified:
            form.instance.refresh_from_db(fields=["verification_status"])
            if form.instance.verification_status == Attack.Verification.CORROBORATED:
                self.message_user(
                    request,
                    _(
                        "This attack was verified; your changes take it back to corroborated "
                        "until a reviewer verifies it again."
                    ),
                    messages.WARNING,
                )

    def has_verify_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(VERIFY_PERMISSION)

    def _set_status(self, request: HttpRequest, queryset: QuerySet, status: str) -> None:
        changed, refused = 0, []
        for attack in queryset:
            if attack.verification_status == status:
                continue
            try:
                attacks.attack_update(
                    instance=attack, updated_by=request.user, verification_status=status
                )
            except ValidationError as exc:
                refused.append(f"{attack}: {'; '.join(exc.messages)}")
            else:
                changed += 1
        label = Attack.Verification(status).label.lower()
        self.message_user(
            request,
            gettext("%(count)s attack(s) marked %(status)s.") % {"count": changed, "status": label},
            messages.SUCCESS,
        )
        for reason in refused:
            self.message_user(
                request, gettext("Not changed – %(reason)s") % {"reason": reason}, messages.ERROR
            )

    @admin.action(description=_("Mark selected as corroborated"), permissions=["change"])
    def mark_corroborated(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_status(request, queryset, Attack.Verification.CORROBORATED)

    @admin.action(description=_("Mark selected as verified"), permissions=["verify"])
    def mark_verified(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_status(request, queryset, Attack.Verification.VERIFIED)

    @admin.action(description=_("Mark selected as disputed"), permissions=["verify"])
    def mark_disputed(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_status(request, queryset, Attack.Verification.DISPUTED)
