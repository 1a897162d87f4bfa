"""What every page of the data-entry admin shares: writes through the services, history, filters."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.contrib.gis.db.models import GeometryField
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import (
    Count,
    DateTimeField,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    URLField,
)
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdminMixin
from simple_history.admin import SimpleHistoryAdmin

from incidents.forms import (
    VERSION_FIELD,
    RowVersionForm,
    RowVersionFormSet,
    ServiceCheckedForm,
)
from incidents.models import (
    Region,
)
from incidents.selectors import subquery_sum  # noqa: F401 (the admin's lists use it from here)
from incidents.services.base import Writes
from incidents.templatetags.tracker import point_text

AUDIT_FIELDS = ("created_at", "created_by", "updated_at", "updated_by")
AUDIT_FIELDSET = (_("Record"), {"classes": ("collapse",), "fields": AUDIT_FIELDS})
# The request attribute that carries a service error into the second validation pass.
SERVICE_ERROR_ATTR = "incidents_service_error"


def subquery_count(model: type, fk: str, **filters: Any) -> Coalesce:
    """Count related rows in a subquery, so several counts never multiply each other."""
    rows = (
        model.objects.filter(**{fk: OuterRef("pk")}, **filters)
        .order_by()
        .values(fk)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


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


# --------------------------------------------------------------------------- Kyiv time

# Times are entered and shown in Kyiv time (settings.TIME_ZONE): each section of a form
# with a date-time field says so once in its heading, and one note at the top of the form
# (static/incidents/admin/time-zone.js) says how far the browser's clock is from it; the
# calendar widgets' note beside every field is hidden (static/incidents/admin/admin.css).
KYIV_TIME = _("Kyiv time")


def _names(fields: Sequence) -> list[str]:
    """Field names of a fieldset's fields, where a tuple puts several on one line."""
    return [
        name for item in fields for name in (item if isinstance(item, list | tuple) else [item])
    ]


def has_time_fields(model: type, names: Sequence, readonly: Sequence[str] = ()) -> bool:
    """Whether any of the fields `names` is an editable date-time field of `model`."""
    for name in _names(names):
        if name in readonly:
            continue
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:  # a method or an admin's display column
            continue
        if isinstance(field, DateTimeField):
            return True
    return False


def in_kyiv_time(text: Any) -> Any:
    """A section heading that says its times are Kyiv time: "When (Kyiv time)"."""
    return format_lazy("{} ({})", text, KYIV_TIME)


# --------------------------------------------------------------------------- base classes


def _links_saved_by_the_service() -> None:
    """Stands in for a form's save_m2m once the service has saved the links."""


class ServiceAdminMixin:
    """Writes through the model's services, and turns their errors into form messages."""

    form = ServiceCheckedForm
    writes: Writes

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
        # The links go through the service too, so its rules see them (and may fill
        # them in). Django's change form and the history's revert form then call
        # form.save_m2m(), which would set the form's links again past the service.
        self.writes.save(obj, user=request.user, links=self._links(form))
        form.save_m2m = _links_saved_by_the_service

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        writes = next(inline.writes for inline in self.inlines if inline.model is formset.model)
        formset.save(commit=False)
        for obj in formset.deleted_objects:
            writes.delete(instance=obj, user=request.user)
        for inline_form in formset.saved_forms:
            links = self.inline_links(form, inline_form)
            writes.save(inline_form.instance, user=request.user, links=links)

    def inline_links(self, form: Any, inline_form: Any) -> dict[str, Any]:
        """The links an inline row saves with; an admin may fill in what was left empty."""
        return self._links(inline_form)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.writes.delete(instance=obj, user=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for obj in queryset:
            self.writes.delete(instance=obj, user=request.user)


# Decimals of a read-only point in the admin: about 10 cm, what analysts typed.
ADMIN_COORDINATE_DECIMALS = 6
# How far a region's outline is simplified for the read-only map (degrees, about 500 m).
OUTLINE_TOLERANCE = 0.005


def shown_geometry_name(field_name: str) -> str:
    """The admin attribute that shows a geometry field read-only (coordinates and a map)."""
    return f"{field_name}_on_map"


def geometry_display(field: GeometryField) -> Callable[[Any], str]:
    """A read-only display of `field`: latitude and longitude (for a point) and a small map.

    Without it the admin prints the value's EWKT ("SRID=4326;POINT (30.73 50.13)").
    The map is drawn by incidents/readonly-geometry.js from the data attributes.
    """

    def display(obj: Any) -> str:
        geometry = getattr(obj, field.name, None)
        if geometry is None:
            return "–"
        if geometry.geom_type == "Point":
            text = point_text(geometry, ADMIN_COORDINATE_DECIMALS)
            drawn = geometry
        else:
            parts = getattr(geometry, "num_geom", 1)
            text = ngettext("%(kind)s of %(count)s part", "%(kind)s of %(count)s parts", parts) % {
                "kind": geometry.geom_type,
                "count": parts,
            }
            drawn = geometry.simplify(OUTLINE_TOLERANCE, preserve_topology=True)
        _name, url, options = settings.LEAFLET_CONFIG["TILES"][0]
        return format_html(
            '<div class="readonly-geometry">'
            '<p class="readonly-geometry-text">{}</p>'
            '<div class="readonly-geometry-map" role="img" aria-label="{}" data-geojson="{}" '
            'style="height: 240px; width: 480px; max-width: 100%;" '
            'data-tiles-url="{}" data-tiles-attribution="{}"></div></div>'
            '<link rel="stylesheet" href="{}">'
            '<script src="{}" defer></script><script src="{}" defer></script>',
            text,
            gettext("Map of %(what)s: %(where)s") % {"what": field.verbose_name, "where": text},
            drawn.json,
            url,
            options.get("attribution", ""),
            static("leaflet/leaflet.css"),
            static("leaflet/leaflet.js"),
            static("incidents/readonly-geometry.js"),
        )

    display.short_description = field.verbose_name
    return display


class TrackedAdmin(ServiceAdminMixin, LeafletGeoAdminMixin, SimpleHistoryAdmin):
    """History per object, map widgets for geometry, audit fields read-only."""

    readonly_fields = AUDIT_FIELDS
    list_per_page = 50
    show_full_result_count = False
    # A source URL typed without a scheme is taken as https (Django 6's default).
    formfield_overrides = {URLField: {"assume_scheme": "https"}}

    class Media:
        css = {"all": ("incidents/admin/admin.css",)}
        js = ("incidents/admin/time-zone.js",)

    def __init__(self, model: type, admin_site: admin.AdminSite) -> None:
        super().__init__(model, admin_site)
        self.geometry_fields = [
            field.name for field in model._meta.get_fields() if isinstance(field, GeometryField)
        ]
        for field_name in self.geometry_fields:
            field = model._meta.get_field(field_name)
            setattr(self, shown_geometry_name(field_name), geometry_display(field))

    def _shown_geometry(self, names: Sequence[str], readonly: Sequence[str]) -> list[str]:
        """`names` with each read-only geometry field swapped for its coordinates and map."""
        return [
            shown_geometry_name(name) if name in self.geometry_fields and name in readonly else name
            for name in names
        ]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list:
        fieldsets = self._times_labelled(super().get_fieldsets(request, obj), request, obj)
        readonly = self._readonly_fields(request, obj)
        if not any(name in readonly for name in self.geometry_fields):
            return fieldsets

        def swapped(fields: Sequence) -> list:
            return [
                tuple(self._shown_geometry(line, readonly))
                if isinstance(line, list | tuple)
                else self._shown_geometry([line], readonly)[0]
                for line in fields
            ]

        return [
            (title, {**options, "fields": swapped(options["fields"])})
            for title, options in fieldsets
        ]

    def _times_labelled(self, fieldsets: list, request: HttpRequest, obj: Any) -> list:
        """Each section with a date-time field says, once, that its times are Kyiv time."""
        readonly = self.get_readonly_fields(request, obj)
        labelled = []
        for name, options in fieldsets:
            if has_time_fields(self.model, options.get("fields", ()), readonly):
                if name:
                    name = in_kyiv_time(name)
                else:
                    said = options.get("description")
                    note = _("Times are Kyiv time.")
                    options = {
                        **options,
                        "description": format_lazy("{} {}", said, note) if said else note,
                    }
            labelled.append((name, options))
        return labelled

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Sequence[str]:
        readonly = self._readonly_fields(request, obj)
        return self._shown_geometry(readonly, readonly)

    def _readonly_fields(self, request: HttpRequest, obj: Any = None) -> Sequence[str]:
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
    writes: Writes

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A group of rows with a date-time column says, once in its heading, that its
        # times are Kyiv time.
        fields = self.fields or [f.name for f in self.model._meta.get_fields()]
        if has_time_fields(self.model, fields, self.readonly_fields):
            self.verbose_name_plural = in_kyiv_time(capfirst(self.verbose_name_plural))


class RowVersionInlineMixin:
    """Rows that carry the version they were loaded with (incidents.forms.RowVersionForm).

    A row's change link opens it in a popup while the attack page stays open; saving
    the attack page then must not write the row's old values over the popup's change.
    """

    form = RowVersionForm
    formset = RowVersionFormSet

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Sequence:
        fields = super().get_fields(request, obj)
        if not self.has_change_permission(request, obj):
            return fields  # read-only rows: nothing is posted
        return [*fields, VERSION_FIELD]


class AttackChildInline(RowVersionInlineMixin, ServiceInlineMixin, admin.TabularInline):
    extra = 0
    show_change_link = True
