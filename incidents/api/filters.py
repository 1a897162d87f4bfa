"""FilterSets for the resource collections; the attack filters live in params.py.

django-filter validates the query through a form, so a malformed value is a
400 whose body names the parameter. An unknown region code is a 400 too: an
empty list would hide a typo.
"""

from __future__ import annotations

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter

from incidents.api.params import (
    AttackFilter,
    BboxFilter,
    CsvMultipleChoiceFilter,
    DateOrDateTimeFilter,
    RegionCodeFilter,
    SearchFilter,
    UpdatedSinceMixin,
    bbox_polygon,
)
from incidents.models import (
    Damage,
    Facility,
    OutageReport,
    Region,
    ResponseMeasure,
    Source,
    WeaponUse,
)

__all__ = [
    "AttackFilter",
    "DamageFilter",
    "FacilityFilter",
    "OutageReportFilter",
    "RegionFilter",
    "ResponseMeasureFilter",
    "SourceFilter",
    "StrictOrderingFilter",
    "WeaponUseFilter",
]


class StrictOrderingFilter(OrderingFilter):
    """Like DRF's, but an unknown ordering field is a 400 instead of being ignored.

    The primary key is appended as a tie-breaker so pages never overlap.
    """

    def get_ordering(self, request, queryset, view):
        raw = request.query_params.get(self.ordering_param)
        if raw:
            valid = {
                name for name, _ in self.get_valid_fields(queryset, view, {"request": request})
            }
            requested = [term.strip() for term in raw.split(",") if term.strip()]
            unknown = [term for term in requested if term.lstrip("-") not in valid]
            if unknown or not requested:
                raise ValidationError(
                    {
                        self.ordering_param: f"Cannot order by {', '.join(unknown) or raw!r}; "
                        f"use one of: {', '.join(sorted(valid))} (prefix - for descending)."
                    }
                )
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if ordering and not {"id", "-id", "pk", "-pk"} & set(ordering):
            ordering.append("-id" if ordering[0].startswith("-") else "id")
        return ordering


class RegionFilter(UpdatedSinceMixin):
    kind = CsvMultipleChoiceFilter(choices=Region.Kind.choices)
    search = SearchFilter(
        search_fields=("code", "name_en", "name_uk"),
        help_text="Words in the code or the English or Ukrainian name.",
    )

    class Meta:
        model = Region
        fields: list[str] = []


class FacilityFilter(UpdatedSinceMixin):
    region = RegionCodeFilter(field_name="region__code")
    facility_kind = CsvMultipleChoiceFilter(
        field_name="kind", choices=Facility.Kind.choices, help_text="Repeatable."
    )
    status = CsvMultipleChoiceFilter(choices=Facility.Status.choices, help_text="Repeatable.")
    bbox = BboxFilter(method="filter_bbox")
    search = SearchFilter(
        search_fields=("name", "name_uk", "locality", "operator"),
        help_text="Words in the name, locality or operator.",
    )

    class Meta:
        model = Facility
        fields: list[str] = []

    @extend_schema_field(OpenApiTypes.STR)
    def filter_bbox(self, qs, name, value):
        return qs.filter(location__within=bbox_polygon(value))


class WeaponUseFilter(UpdatedSinceMixin):
    attack = django_filters.NumberFilter(field_name="attack_id", help_text="Attack id.")
    weapon_type = CsvMultipleChoiceFilter(
        choices=WeaponUse.WeaponType.choices, help_text="Repeatable."
    )
    started_after = DateOrDateTimeFilter(field_name="attack__started_at", lookup_expr="gte")
    started_before = DateOrDateTimeFilter(field_name="attack__started_at", lookup_expr="lte")
    search = SearchFilter(search_fields=("model",), help_text="Words in the model.")

    class Meta:
        model = WeaponUse
        fields: list[str] = []


class DamageFilter(UpdatedSinceMixin):
    attack = django_filters.NumberFilter(field_name="attack_id", help_text="Attack id.")
    facility = django_filters.NumberFilter(field_name="facility_id", help_text="Facility id.")
    region = RegionCodeFilter(field_name="facility__region__code")
    facility_kind = CsvMultipleChoiceFilter(
        field_name="facility__kind", choices=Facility.Kind.choices, help_text="Repeatable."
    )
    severity = CsvMultipleChoiceFilter(choices=Damage.Severity.choices, help_text="Repeatable.")
    restoration_status = CsvMultipleChoiceFilter(
        choices=Damage.Restoration.choices, help_text="Repeatable."
    )
    started_after = DateOrDateTimeFilter(field_name="attack__started_at", lookup_expr="gte")
    started_before = DateOrDateTimeFilter(field_name="attack__started_at", lookup_expr="lte")
    bbox = BboxFilter(method="filter_bbox", help_text="Damaged facilities inside the box.")
    search = SearchFilter(
        search_fields=("description", "facility__name"),
        help_text="Words in the description or the facility's name.",
    )

    class Meta:
        model = Damage
        fields: list[str] = []

    @extend_schema_field(OpenApiTypes.STR)
    def filter_bbox(self, qs, name, value):
        return qs.filter(facility__location__within=bbox_polygon(value))


class OutageReportFilter(UpdatedSinceMixin):
    region = RegionCodeFilter(field_name="region__code")
    service = CsvMultipleChoiceFilter(choices=OutageReport.Service.choices, help_text="Repeatable.")
    unit = CsvMultipleChoiceFilter(choices=OutageReport.Unit.choices, help_text="Repeatable.")
    attack = django_filters.NumberFilter(field_name="attack_id", help_text="Attack id.")
    as_of_after = DateOrDateTimeFilter(field_name="as_of", lookup_expr="gte")
    as_of_before = DateOrDateTimeFilter(field_name="as_of", lookup_expr="lte")
    search = SearchFilter(search_fields=("locality",), help_text="Words in the locality.")

    class Meta:
        model = OutageReport
        fields: list[str] = []


class SourceFilter(UpdatedSinceMixin):
    kind = CsvMultipleChoiceFilter(choices=Source.Kind.choices, help_text="Repeatable.")
    reliability = CsvMultipleChoiceFilter(
        choices=Source.Reliability.choices, help_text="Repeatable."
    )
    credibility = CsvMultipleChoiceFilter(
        choices=Source.Credibility.choices, help_text="Repeatable."
    )
    published_after = DateOrDateTimeFilter(field_name="published_at", lookup_expr="gte")
    published_before = DateOrDateTimeFilter(field_name="published_at", lookup_expr="lte")
    search = SearchFilter(
        search_fields=("title", "publisher", "speaker", "quote"),
        help_text="Words in the title, publisher, speaker or quote.",
    )

    class Meta:
        model = Source
        fields: list[str] = []


class ResponseMeasureFilter(UpdatedSinceMixin):
    kind = CsvMultipleChoiceFilter(choices=ResponseMeasure.Kind.choices, help_text="Repeatable.")
    region = RegionCodeFilter(field_name="region__code")
    attack = django_filters.NumberFilter(field_name="attack_id", help_text="Attack id.")
    started_after = DateOrDateTimeFilter(field_name="started_at", lookup_expr="gte")
    started_before = DateOrDateTimeFilter(field_name="started_at", lookup_expr="lte")
    search = SearchFilter(
        search_fields=("description", "actor"), help_text="Words in the description or actor."
    )

    class Meta:
        model = ResponseMeasure
        fields: list[str] = []
