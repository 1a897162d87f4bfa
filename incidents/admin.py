"""The data-entry admin: map widgets, inlines, autocomplete, history.

Every save and delete goes through `incidents.services`, so the admin obeys
the same rules as the API and the importers. Rules that need more than the
row are checked in the forms (incidents/forms.py) first, so a broken rule is
a field message, never a server error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextField,
    URLField,
)
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from leaflet.admin import LeafletGeoAdminMixin
from simple_history.admin import SimpleHistoryAdmin

from incidents import services
from incidents.forms import (
    VERIFY_PERMISSION,
    AttackForm,
    FacilityForm,
    ServiceCheckedForm,
)
from incidents.models import (
    Attack,
    Damage,
    Facility,
    OutageReport,
    Region,
    ResponseMeasure,
    Source,
    WeaponUse,
)

AUDIT_FIELDS = ("created_at", "created_by", "updated_at", "updated_by")
AUDIT_FIELDSET = ("Record", {"classes": ("collapse",), "fields": AUDIT_FIELDS})
# The request attribute that carries a service error into the second validation pass.
SERVICE_ERROR_ATTR = "incidents_service_error"


def _subquery_count(model: type, fk: str, **filters: Any) -> Coalesce:
    """Count related rows in a subquery, so several counts never multiply each other."""
    rows = (
        model.objects.filter(**{fk: OuterRef("pk")}, **filters)
        .order_by()
        .values(fk)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def _subquery_sum(model: type, fk: str, field: str) -> Subquery:
    rows = (
        model.objects.filter(**{fk: OuterRef("pk")})
        .order_by()
        .values(fk)
        .annotate(total=Sum(field))
        .values("total")
    )
    return Subquery(rows, output_field=IntegerField())


def region_filter(path: str, title: str = "region") -> type[admin.SimpleListFilter]:
    """A region filter that lists names only; the built-in one would load every polygon."""

    class RegionFilter(admin.SimpleListFilter):
        parameter_name = path.replace("__", "_") + "_id"

        def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
            return [
                (str(pk), f"{name} ({code})")
                for pk, code, name in Region.objects.order_by("name_en").values_list(
                    "pk", "code", "name_en"
                )
            ]

        def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
            if self.value():
                return queryset.filter(**{path: self.value()})
            return queryset

    RegionFilter.title = title
    return RegionFilter


def regions_without_boundary() -> QuerySet[Region]:
    return Region.objects.defer("boundary")


# --------------------------------------------------------------------------- base classes


class ServiceAdminMixin:
    """Writes through the services, and turns their errors into form messages."""

    form = ServiceCheckedForm

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(
            form.__name__,
            (form,),
            {"user": request.user, "service_error": getattr(request, SERVICE_ERROR_ATTR, None)},
        )

    def _with_service_errors_on_the_form(
        self, request: HttpRequest, view: Callable[[], HttpResponse]
    ) -> HttpResponse:
        """Run a form view; a service error while saving shows on the form, not as a 500."""
        try:
            with transaction.atomic():
                return view()
        except ValidationError as exc:
            # A rule the forms could not see (e.g. one spanning an inline and its
            # attack) failed while saving; the transaction is rolled back, and the
            # same POST is validated again with the error attached to the form.
            if request.method != "POST" or hasattr(request, SERVICE_ERROR_ATTR):
                raise
            setattr(request, SERVICE_ERROR_ATTR, exc)
            return view()

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        parent = super().changeform_view
        return self._with_service_errors_on_the_form(
            request, lambda: parent(request, object_id, form_url, extra_context)
        )

    @staticmethod
    def _links(form: Any) -> dict[str, Any]:
        """The many-to-many links a form edits, for the service to save with the row."""
        return {
            field.name: form.cleaned_data[field.name]
            for field in form.instance._meta.many_to_many
            if field.name in form.cleaned_data
        }

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # The links go through the service too, so its rules see them (and may fill them).
        services.record_save(instance=obj, user=request.user, m2m=self._links(form))

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Django's own save_related sets the form's links again (form.save_m2m), past
        # the service and over what it decided; save_model has saved them already.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        formset.save(commit=False)
        for obj in formset.deleted_objects:
            services.record_delete(instance=obj, user=request.user)
        for inline_form in formset.saved_forms:
            services.record_save(
                instance=inline_form.instance, user=request.user, m2m=self._links(inline_form)
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.record_delete(instance=obj, user=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for obj in queryset:
            services.record_delete(instance=obj, user=request.user)


class TrackedAdmin(ServiceAdminMixin, LeafletGeoAdminMixin, SimpleHistoryAdmin):
    """History per object, map widgets for geometry, audit fields read-only."""

    readonly_fields = AUDIT_FIELDS
    list_per_page = 50
    show_full_result_count = False
    # A source URL typed without a scheme is taken as https (Django 6's default).
    formfield_overrides = {URLField: {"assume_scheme": "https"}}

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Sequence[str]:
        readonly = super().get_readonly_fields(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return readonly
        # Someone who may only look sees every field as text: Django does this on the
        # change page itself, and the history's old versions need it as well.
        # (get_fieldsets would build a form without fieldsets, which asks this method again.)
        editable = [
            field.name
            for field in self.opts.get_fields()
            if field.concrete and field.editable and not field.primary_key
        ]
        shown = flatten_fieldsets(self.fieldsets) if self.fieldsets else editable
        return [*readonly, *(name for name in shown if name not in readonly)]

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict | None = None,
    ) -> HttpResponse:
        """An old version of a row; posting its form writes that version back (a revert).

        django-simple-history lets anyone who may view the row post the form, so
        the change permission is checked here: without it the page is read-only
        and a POST is refused before anything is written. A revert saves through
        the same services as every other edit (`save_model`).
        """
        if request.method == "POST":
            obj = self.get_object(request, unquote(object_id))
            allowed = self.has_change_permission(request, obj)
            if obj is None:
                # Reverting a deleted row brings it back: that is an addition too.
                allowed = allowed and self.has_add_permission(request)
            if not allowed:
                raise PermissionDenied
        parent = super().history_form_view
        return self._with_service_errors_on_the_form(
            request, lambda: parent(request, object_id, version_id, extra_context)
        )


class ServiceInlineMixin:
    form = ServiceCheckedForm


class AttackChildInline(ServiceInlineMixin, admin.TabularInline):
    extra = 0
    show_change_link = True


# --------------------------------------------------------------------------- sources


@admin.register(Source)
class SourceAdmin(TrackedAdmin):
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
        ("Who said it", {"fields": ("speaker", "speaker_role", "quote")}),
        (
            "Admiralty grade",
            {
                "fields": (("reliability", "credibility"),),
                "description": "Source reliability A–F and information credibility 1–6.",
            },
        ),
        ("Import", {"classes": ("collapse",), "fields": ("external_source", "external_id")}),
        AUDIT_FIELDSET,
    )

    @admin.display(description="grade", ordering="reliability")
    def grade(self, obj: Source) -> str:
        return obj.grade


# --------------------------------------------------------------------------- regions


@admin.register(Region)
class RegionAdmin(TrackedAdmin):
    list_display = ("code", "name_en", "name_uk", "kind", "has_boundary", "facility_count")
    list_filter = ("kind",)
    search_fields = ("code", "name_en", "name_uk")
    ordering = ("name_en",)
    fieldsets = (
        (None, {"fields": ("code", ("name_en", "name_uk"), "kind")}),
        ("Boundary", {"fields": ("boundary",)}),
        AUDIT_FIELDSET,
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Region]:
        # Lists and autocomplete never need the polygons; the change page loads its own.
        return (
            super()
            .get_queryset(request)
            .defer("boundary")
            .annotate(
                boundary_known=ExpressionWrapper(
                    Q(boundary__isnull=False), output_field=BooleanField()
                ),
                facilities_n=_subquery_count(Facility, "region"),
            )
        )

    @admin.display(description="boundary", boolean=True, ordering="boundary_known")
    def has_boundary(self, obj: Region) -> bool:
        return obj.boundary_known

    @admin.display(description="facilities", ordering="facilities_n")
    def facility_count(self, obj: Region) -> int:
        return obj.facilities_n


# --------------------------------------------------------------------------- facilities


@admin.register(Facility)
class FacilityAdmin(TrackedAdmin):
    form = FacilityForm
    list_display = (
        "name",
        "kind",
        "current_status",
        "region",
        "locality",
        "use",
        "damage_count",
        "last_hit",
    )
    list_filter = ("kind", "status", "use", region_filter("region"), "is_illustrative")
    search_fields = ("name", "name_uk", "locality", "operator", "external_id")
    list_select_related = ("region",)
    autocomplete_fields = ("region",)
    readonly_fields = ("status", *AUDIT_FIELDS)
    fieldsets = (
        (None, {"fields": ("name", "name_uk", "kind", "use", "operator", "status")}),
        (
            "Place",
            {
                "fields": ("location", "location_approximate", "region", "locality"),
                "description": "Click the map to place the facility; the region is filled "
                "from the point when left empty.",
            },
        ),
        ("Capacity", {"fields": (("electric_capacity_mw", "thermal_capacity_mw"),)}),
        (
            "Other",
            {
                "classes": ("collapse",),
                "fields": ("notes", "external_source", "external_id", "is_illustrative"),
            },
        ),
        AUDIT_FIELDSET,
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Facility]:
        last_hit = (
            Damage.objects.filter(facility=OuterRef("pk"))
            .order_by()
            .values("facility")
            .annotate(last=Max("attack__started_at"))
            .values("last")
        )
        return (
            super()
            .get_queryset(request)
            .select_related("region")
            .defer("region__boundary")
            .annotate(damages_n=_subquery_count(Damage, "facility"), last_hit_at=Subquery(last_hit))
        )

    @admin.display(description="current status", ordering="status")
    def current_status(self, obj: Facility) -> str:
        return obj.get_status_display()

    @admin.display(description="damage records", ordering="damages_n")
    def damage_count(self, obj: Facility) -> int:
        return obj.damages_n

    @admin.display(description="last hit", ordering="last_hit_at")
    def last_hit(self, obj: Facility):
        return obj.last_hit_at


# --------------------------------------------------------------------------- attacks


class WeaponUseInline(AttackChildInline):
    model = WeaponUse
    fields = ("weapon_type", "model", "launched", "intercepted")
    extra = 1


class DamageInline(AttackChildInline):
    model = Damage
    fields = (
        "facility",
        "severity",
        "restoration_status",
        "restored_at",
        "expected_restoration",
        "description",
    )
    autocomplete_fields = ("facility",)
    extra = 1
    # A table row has no room for a full-size text box.
    formfield_overrides = {TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 30})}}


class OutageReportInline(AttackChildInline):
    model = OutageReport
    fields = ("region", "locality", "service", "unit", "count_qualifier", "count", "as_of")
    autocomplete_fields = ("region",)


class ResponseMeasureInline(ServiceInlineMixin, admin.StackedInline):
    model = ResponseMeasure
    fields = (("kind", "region"), "description", ("actor", "quantity"), ("started_at", "ended_at"))
    autocomplete_fields = ("region",)
    extra = 0
    show_change_link = True


@admin.register(Attack)
class AttackAdmin(TrackedAdmin):
    form = AttackForm
    inlines = (WeaponUseInline, DamageInline, OutageReportInline, ResponseMeasureInline)
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
        ("When", {"fields": (("started_at", "ended_at"), "time_precision")}),
        (
            "Where",
            {
                "fields": ("regions", "reported_region_count", "impact_location"),
                "description": "Link the regions a report names; when it gives only a number "
                "(“eight regions”), put the number in the reported count.",
            },
        ),
        ("Toll", {"fields": (("killed", "injured"), "ambient_temperature_c")}),
        ("Review", {"fields": ("verification_status", "sources")}),
        (
            "Other",
            {
                "classes": ("collapse",),
                "fields": ("external_source", "external_id", "is_illustrative"),
            },
        ),
        AUDIT_FIELDSET,
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Attack]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                launched_total=_subquery_sum(WeaponUse, "attack", "launched"),
                intercepted_total=_subquery_sum(WeaponUse, "attack", "intercepted"),
                facilities_n=_subquery_count(Damage, "attack"),
            )
            .prefetch_related(Prefetch("regions", queryset=Region.objects.only("code", "name_en")))
        )

    @admin.display(description="regions")
    def region_codes(self, obj: Attack) -> str:
        codes = ", ".join(region.code for region in obj.regions.all())
        if obj.reported_region_count:
            return (
                f"{codes} ({obj.reported_region_count} reported)"
                if codes
                else (f"{obj.reported_region_count} reported")
            )
        return codes or "—"

    @admin.display(description="launched / intercepted", ordering="launched_total")
    def launched_intercepted(self, obj: Attack) -> str:
        def shown(value: int | None) -> str:
            return "?" if value is None else f"{value:,}"

        if obj.launched_total is None and obj.intercepted_total is None:
            return "—"
        return f"{shown(obj.launched_total)} / {shown(obj.intercepted_total)}"

    @admin.display(description="facilities hit", ordering="facilities_n")
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
                    "This attack was verified; your changes take it back to corroborated "
                    "until a reviewer verifies it again.",
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
                services.record_update(
                    instance=attack, updated_by=request.user, verification_status=status
                )
            except ValidationError as exc:
                refused.append(f"{attack}: {'; '.join(exc.messages)}")
            else:
                changed += 1
        label = Attack.Verification(status).label.lower()
        self.message_user(request, f"{changed} attack(s) marked {label}.", messages.SUCCESS)
        for reason in refused:
            self.message_user(request, f"Not changed – {reason}", messages.ERROR)

    @admin.action(description="Mark selected as corroborated", permissions=["change"])
    def mark_corroborated(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_status(request, queryset, Attack.Verification.CORROBORATED)

    @admin.action(description="Mark selected as verified", permissions=["verify"])
    def mark_verified(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_status(request, queryset, Attack.Verification.VERIFIED)

    @admin.action(description="Mark selected as disputed", permissions=["verify"])
    def mark_disputed(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_status(request, queryset, Attack.Verification.DISPUTED)


# --------------------------------------------------------------------------- attack parts


@admin.register(WeaponUse)
class WeaponUseAdmin(TrackedAdmin):
    list_display = ("attack", "weapon_type", "model", "launched", "intercepted")
    list_filter = ("weapon_type", ("attack__started_at", admin.DateFieldListFilter))
    search_fields = ("model", "attack__summary")
    list_select_related = ("attack",)
    autocomplete_fields = ("attack",)
    date_hierarchy = "attack__started_at"
    fieldsets = (
        (None, {"fields": ("attack", ("weapon_type", "model"), ("launched", "intercepted"))}),
        AUDIT_FIELDSET,
    )


@admin.register(Damage)
class DamageAdmin(TrackedAdmin):
    list_display = (
        "attack",
        "facility",
        "facility_kind",
        "severity",
        "restoration_status",
        "restored_at",
        "expected_restoration",
    )
    list_filter = (
        "severity",
        "restoration_status",
        ("facility__kind", admin.ChoicesFieldListFilter),
        region_filter("facility__region"),
        ("attack__started_at", admin.DateFieldListFilter),
    )
    search_fields = ("facility__name", "facility__locality", "attack__summary", "description")
    list_select_related = ("attack", "facility")
    autocomplete_fields = ("attack", "facility", "sources")
    date_hierarchy = "attack__started_at"
    fieldsets = (
        (None, {"fields": ("attack", "facility", "severity", "description")}),
        (
            "Restoration",
            {"fields": ("restoration_status", "restored_at", "expected_restoration")},
        ),
        ("Sources", {"fields": ("sources",)}),
        AUDIT_FIELDSET,
    )

    @admin.display(description="facility kind", ordering="facility__kind")
    def facility_kind(self, obj: Damage) -> str:
        return obj.facility.get_kind_display()


@admin.register(OutageReport)
class OutageReportAdmin(TrackedAdmin):
    list_display = ("region", "service", "figure", "as_of", "attack", "locality")
    list_filter = (
        "service",
        "unit",
        region_filter("region"),
        ("as_of", admin.DateFieldListFilter),
        "is_illustrative",
    )
    search_fields = ("region__name_en", "region__code", "locality", "attack__summary")
    list_select_related = ("region", "attack")
    autocomplete_fields = ("region", "attack", "sources")
    date_hierarchy = "as_of"
    fieldsets = (
        (None, {"fields": ("region", "locality", "attack")}),
        ("Figure", {"fields": ("service", ("count_qualifier", "count", "unit"), "as_of")}),
        ("Sources", {"fields": ("sources",)}),
        (
            "Other",
            {
                "classes": ("collapse",),
                "fields": ("external_source", "external_id", "is_illustrative"),
            },
        ),
        AUDIT_FIELDSET,
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[OutageReport]:
        return (
            super()
            .get_queryset(request)
            .select_related("region", "attack")
            .defer("region__boundary")
        )

    @admin.display(description="without service", ordering="count")
    def figure(self, obj: OutageReport) -> str:
        return obj.figure()


@admin.register(ResponseMeasure)
class ResponseMeasureAdmin(TrackedAdmin):
    list_display = ("kind", "short_description", "region", "attack", "quantity", "started_at")
    list_filter = ("kind", region_filter("region"), ("started_at", admin.DateFieldListFilter))
    search_fields = ("description", "actor", "region__name_en", "attack__summary")
    list_select_related = ("region", "attack")
    autocomplete_fields = ("region", "attack", "sources")
    date_hierarchy = "started_at"
    fieldsets = (
        (None, {"fields": ("kind", "region", "attack")}),
        ("What was done", {"fields": ("description", ("actor", "quantity"))}),
        ("When", {"fields": (("started_at", "ended_at"),)}),
        ("Sources", {"fields": ("sources",)}),
        AUDIT_FIELDSET,
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[ResponseMeasure]:
        return (
            super()
            .get_queryset(request)
            .select_related("region", "attack")
            .defer("region__boundary")
        )

    @admin.display(description="description")
    def short_description(self, obj: ResponseMeasure) -> str:
        text = obj.description
        return text if len(text) <= 80 else f"{text[:79]}…"


# Import jobs have their own admin module; importing it registers them.
from incidents import admin_imports  # noqa: E402, F401
