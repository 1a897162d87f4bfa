"""What every page of the data-entry admin shares: writes through the services, history, filters."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    URLField,
)
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from leaflet.admin import LeafletGeoAdminMixin
from simple_history.admin import SimpleHistoryAdmin

from incidents.forms import (
    ServiceCheckedForm,
)
from incidents.models import (
    Region,
)
from incidents.selectors import subquery_sum  # noqa: F401 (the admin's lists use it from here)
from incidents.services.base import Writes

AUDIT_FIELDS = ("created_at", "created_by", "updated_at", "updated_by")
AUDIT_FIELDSET = ("Record", {"classes": ("collapse",), "fields": AUDIT_FIELDS})
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
    writes: Writes


class AttackChildInline(ServiceInlineMixin, admin.TabularInline):
    extra = 0
    show_change_link = True
