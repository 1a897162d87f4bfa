"""Reads that more than one place needs."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.gis.geos import Point
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db.models import (
    F,
    Func,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    TextField,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Greatest, Lower, Replace
from django.urls import reverse

from incidents.models import Attack, Facility, OutageReport, PublicationState, Region

_DISTANCE_SQL = (
    "ST_Distance(boundary::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography)"
)


def region_containing(point: Point) -> Region | None:
    """The region whose boundary covers the point, else the nearest one within tolerance.

    The tolerance (REGION_TOLERANCE_M) absorbs the error of simplified
    boundaries for points close to a border or the coast.
    """
    region = Region.objects.filter(boundary__covers=point).order_by("code").first()
    if region is not None:
        return region
    return (
        Region.objects.filter(boundary__isnull=False)
        .annotate(distance_m=RawSQL(_DISTANCE_SQL, (point.x, point.y)))
        .filter(distance_m__lte=settings.REGION_TOLERANCE_M)
        .order_by("distance_m")
        .first()
    )


def region_distance_m(region: Region, point: Point) -> float | None:
    """How far (metres) the point lies from the region; 0 inside; None without a boundary."""
    if region.boundary is None:
        return None
    return (
        Region.objects.filter(pk=region.pk)
        .annotate(distance_m=RawSQL(_DISTANCE_SQL, (point.x, point.y)))
        .values_list("distance_m", flat=True)
        .get()
    )


def facility_damage_history(*, facility: Facility) -> QuerySet:
    return facility.damages.select_related("attack").order_by("-attack__started_at", "-id")


def current_outages(*, regions: list[Region] | None = None) -> QuerySet[OutageReport]:
    """The latest figure per region, service and unit: never a sum of snapshots."""
    queryset = OutageReport.objects.all()
    if regions is not None:
        queryset = queryset.filter(region__in=regions)
    return (
        queryset.select_related("region")
        .order_by("region_id", "service", "unit", "-as_of", "-id")
        .distinct("region_id", "service", "unit")
    )


# --------------------------------------------------------------------------- pages


def region_choices() -> QuerySet[Region]:
    """Regions for the dashboard's region filter, in name order."""
    return Region.objects.only("code", "name_en").order_by("name_en")


def attack_page(*, pk: int) -> Attack:
    """One attack with everything its page shows, in a fixed number of queries."""
    from django.db.models import Prefetch

    from incidents.models import Damage, ResponseMeasure, Source, WeaponUse

    return Attack.objects.prefetch_related(
        Prefetch("regions", queryset=Region.objects.only("code", "name_en").order_by("name_en")),
        Prefetch("weapons", queryset=WeaponUse.objects.order_by("weapon_type", "model")),
        Prefetch(
            "damages",
            queryset=Damage.objects.select_related("facility").order_by("facility__name"),
        ),
        Prefetch(
            "outages",
            queryset=OutageReport.objects.select_related("region").order_by(
                "region__name_en", "service", "as_of"
            ),
        ),
        Prefetch(
            "responses",
            queryset=ResponseMeasure.objects.select_related("region").order_by("started_at", "id"),
        ),
        Prefetch("sources", queryset=Source.objects.order_by("published_at", "id")),
    ).get(pk=pk)


def facility_restoration_history(*, facility: Facility) -> list[dict[str, object]]:
    """Each change of a damage record's severity or restoration status, oldest first.

    The change history keeps every saved version of a damage record; consecutive
    versions with the same status are folded so the list shows only real changes.
    """
    from incidents.models import Damage

    versions = (
        Damage.history.filter(facility_id=facility.pk)
        .select_related("attack")
        .order_by("id", "history_date", "history_id")
        .values(
            "id",
            "history_date",
            "severity",
            "restoration_status",
            "restored_at",
            "expected_restoration",
            "attack_id",
            "history_type",
        )
    )
    severity = dict(Damage.Severity.choices)
    restoration = dict(Damage.Restoration.choices)
    changes: list[dict[str, object]] = []
    last: dict[int, tuple[str, str]] = {}
    for version in versions:
        key = (version["severity"], version["restoration_status"])
        if version["history_type"] != "-" and last.get(version["id"]) == key:
            continue
        last[version["id"]] = key
        changes.append(
            {
                "at": version["history_date"],
                "attack_id": version["attack_id"],
                "severity": severity.get(version["severity"], version["severity"]),
                "restoration": restoration.get(
                    version["restoration_status"], version["restoration_status"]
                ),
                "restored_at": version["restored_at"],
                "expected_restoration": version["expected_restoration"],
                "deleted": version["history_type"] == "-",
            }
        )
    changes.sort(key=lambda change: change["at"])
    return changes


def subquery_sum(model: type, fk: str, field: str) -> Subquery:
    """Sum related rows in a subquery: no GROUP BY over the outer table, which the public
    view's tables (views, without a primary key to group by) could not take."""
    rows = (
        model.objects.filter(**{fk: OuterRef("pk")})
        .order_by()
        .values(fk)
        .annotate(total=Sum(field))
        .values("total")
    )
    return Subquery(rows, output_field=IntegerField())


def region_attacks(*, region: Region, limit: int) -> QuerySet[Attack]:
    from incidents.models import WeaponUse

    return (
        Attack.objects.filter(regions=region)
        .annotate(
            launched_total=subquery_sum(WeaponUse, "attack", "launched"),
            intercepted_total=subquery_sum(WeaponUse, "attack", "intercepted"),
        )
        .order_by("-started_at", "-id")[:limit]
    )


def region_facilities(*, region: Region) -> QuerySet[Facility]:
    return region.facilities.only(
        "id", "name", "kind", "status", "locality", "is_illustrative"
    ).order_by("name")


def region_outage_series(*, region: Region) -> list[dict[str, object]]:
    """The region's outage figures grouped per service and unit, each group oldest first."""
    series: dict[tuple[str, str], dict[str, object]] = {}
    reports = region.outages.order_by("service", "unit", "as_of", "id")
    for report in reports:
        group = series.setdefault(
            (report.service, report.unit),
            {
                "service": report.get_service_display(),
                "unit": report.get_unit_display(),
                "reports": [],
            },
        )
        group["reports"].append(report)
    return list(series.values())


def review_queue(*, user: AbstractBaseUser) -> list[dict[str, object]]:
    """The admin index's queue: per publishable model, what waits for this user.

    Reviewers (who may publish) see the records in review; everyone sees the
    records sent back to them (drafts with a comment that they changed last).
    """
    from incidents.services.publication import PUBLISHABLE, may_publish

    entries = []
    for model in PUBLISHABLE:
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        entry: dict[str, object] = {"name": opts.verbose_name_plural}
        if may_publish(user, model):
            entry["waiting"] = model.objects.filter(
                publication_state=PublicationState.IN_REVIEW
            ).count()
            entry["waiting_url"] = (
                f"{changelist}?publication_state__exact={PublicationState.IN_REVIEW}"
            )
        if user.has_perm(f"{opts.app_label}.change_{opts.model_name}"):
            entry["sent_back"] = (
                model.objects.filter(publication_state=PublicationState.DRAFT, updated_by=user)
                .exclude(review_comment="")
                .count()
            )
            entry["sent_back_url"] = f"{changelist}?sent_back=mine"
        if "waiting" in entry or entry.get("sent_back"):
            entries.append(entry)
    return entries


# --------------------------------------------------------------------------- facility search

# Words and abbreviations that name a kind of facility rather than the facility itself.
# Longer phrases first: "thermal power plant" must win over "power plant".
FACILITY_KIND_WORDS: tuple[tuple[str, str], ...] = (
    ("combined heat and power plant", Facility.Kind.CHP),
    ("thermal power plant", Facility.Kind.THERMAL),
    ("thermal power station", Facility.Kind.THERMAL),
    ("hydroelectric plant", Facility.Kind.HYDRO),
    ("hydroelectric power plant", Facility.Kind.HYDRO),
    ("hydro power plant", Facility.Kind.HYDRO),
    ("nuclear power plant", Facility.Kind.NUCLEAR),
    ("nuclear power station", Facility.Kind.NUCLEAR),
    ("heating plant", Facility.Kind.HEATING),
    ("boiler house", Facility.Kind.HEATING),
    ("solar plant", Facility.Kind.SOLAR),
    ("solar park", Facility.Kind.SOLAR),
    ("wind farm", Facility.Kind.WIND),
    ("tpp", Facility.Kind.THERMAL),
    ("tps", Facility.Kind.THERMAL),
    ("тес", Facility.Kind.THERMAL),
    ("tes", Facility.Kind.THERMAL),
    ("chp", Facility.Kind.CHP),
    ("тец", Facility.Kind.CHP),
    ("tets", Facility.Kind.CHP),
    ("hpp", Facility.Kind.HYDRO),
    ("ges", Facility.Kind.HYDRO),
    ("гес", Facility.Kind.HYDRO),
    ("гаес", Facility.Kind.HYDRO),
    ("npp", Facility.Kind.NUCLEAR),
    ("аес", Facility.Kind.NUCLEAR),
    ("aes", Facility.Kind.NUCLEAR),
    ("substation", Facility.Kind.SUBSTATION),
    ("підстанція", Facility.Kind.SUBSTATION),
)
# Words that say nothing about which facility is meant.
FACILITY_STOP_WORDS = frozenset({"the", "of", "plant", "power", "station", "no", "№"})
FACILITY_SEARCH_COLUMNS = ("name", "name_uk", "locality", "operator")
# How closely a typed word must match a word of a column (pg_trgm's word_similarity).
FACILITY_WORD_SIMILARITY = 0.45


def _folded(expression: Any) -> Func:
    """Lower case, accents off, and y read as i ("Trypilska", "Tripilska" are one word)."""
    return Replace(
        Lower(Func(expression, function="unaccent", output_field=TextField())),
        Value("y"),
        Value("i"),
    )


def facility_search_terms(term: str) -> tuple[str | None, list[str]]:
    """The kind a search names (by word or abbreviation), and the words left to match."""
    text = " " + " ".join(re.findall(r"\w+", term.lower())) + " "
    kind = None
    for phrase, phrase_kind in FACILITY_KIND_WORDS:
        if f" {phrase} " in text:
            kind = kind or phrase_kind
            text = text.replace(f" {phrase} ", " ")
    words = [word for word in text.split() if word not in FACILITY_STOP_WORDS]
    return kind, words


def facility_search(queryset: QuerySet[Facility], term: str) -> QuerySet[Facility]:
    """Facilities matching every word of `term` in a name, locality or operator, best first.

    Each word is compared with each column by trigram word similarity, after folding
    case, accents and the y/i of transliterations; a kind word or abbreviation (TPP,
    ТЕЦ, "thermal power plant") narrows to that kind. When the kind leaves nothing,
    the words alone decide, so a plant filed under another kind is still found.
    """
    kind, words = facility_search_terms(term)
    if not words:
        return queryset.filter(kind=kind) if kind else queryset
    columns = [_folded(Coalesce(F(column), Value(""))) for column in FACILITY_SEARCH_COLUMNS]
    scores = {}
    for index, word in enumerate(words):
        folded = _folded(Value(word))
        scores[f"search_word_{index}"] = Greatest(
            *(TrigramWordSimilarity(folded, column) for column in columns)
        )
    matched = queryset.annotate(**scores).filter(
        **{f"{name}__gte": FACILITY_WORD_SIMILARITY for name in scores}
    )
    total = sum((F(name) for name in scores), Value(0.0))
    ranked = matched.annotate(search_rank=total).order_by("-search_rank", "name", "pk")
    if kind and ranked.filter(kind=kind).exists():
        return ranked.filter(kind=kind)
    return ranked
