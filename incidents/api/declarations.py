"""The query parameters of every collection, declared once.

A collection's list, its map layer, its export and the statistics over it read
their filters through the same declaration, so a query string means the same
rows everywhere. Collections filtered in the ORM name the `lookup` each
parameter compares; attacks, facilities and outage figures are filtered by the
SQL selections in incidents.geojson, which the map layers and exports use too.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from incidents.api.query import (
    UPDATED_SINCE,
    Declaration,
    Param,
    bbox,
    choices,
    integer,
    moment,
    record,
    regions,
    search,
)
from incidents.mapgrid import MAX_ZOOM
from incidents.models import (
    Attack,
    Damage,
    Facility,
    OutageReport,
    PublicationState,
    Region,
    ResponseMeasure,
    Source,
    WeaponUse,
)

INTERVALS = ("day", "week", "month")


def publication_state(what: str, *, lookup: str = "") -> Param:
    """Records in one of the publication states; the public view holds published ones only."""
    return choices(
        "publication_state",
        "publication_states",
        PublicationState,
        f"{what} in this publication state (draft, in_review, published, withdrawn). Only "
        "meaningful for logged-in users: anonymous visitors and view=public see published "
        "records only.",
        lookup=lookup,
    )


# The model behind each collection name the deletion feed reports deletions under.
DELETED_MODELS: dict[str, type] = {
    "regions": Region,
    "facilities": Facility,
    "attacks": Attack,
    "weapon-uses": WeaponUse,
    "damages": Damage,
    "outages": OutageReport,
    "sources": Source,
    "responses": ResponseMeasure,
}

# Attacks, and what is counted over them: the attacks layer and export, the
# regions layer and export (attacks per region) and the statistics.
ATTACKS = Declaration(
    (
        moment("started_after", "after", "Attacks that started at or after this moment."),
        moment(
            "started_before",
            "before",
            "Attacks that started before this moment; a bare date includes that whole day.",
        ),
        regions("Attacks filed under one of these regions (region views: these regions)."),
        choices("weapon_type", "weapon_types", WeaponUse.WeaponType, "Attacks that used this."),
        choices(
            "facility_kind",
            "facility_kinds",
            Facility.Kind,
            "Attacks that damaged a facility of this kind.",
        ),
        choices("severity", "severities", Damage.Severity, "Attacks that did damage this bad."),
        choices(
            "service",
            "services",
            OutageReport.Service,
            "Attacks linked to outages of this service (and outage figures of it).",
        ),
        choices(
            "verification_status",
            "verification_statuses",
            Attack.Verification,
            "Attack verification status.",
        ),
        publication_state("Attacks"),
        bbox("Attacks whose impact point lies in the box (region views: regions overlapping it)."),
        search("the attack's summary or description"),
        UPDATED_SINCE,
    )
)

TIMELINE = ATTACKS + Declaration(
    (
        Param(
            "interval",
            "interval",
            "one",
            "The length of a period (Kyiv time; weeks start on Monday). Default: day.",
            choices=INTERVALS,
            many=False,
        ),
    )
)

# Facilities: the list, the facilities layer and export. The attack filters narrow
# them to facilities damaged by matching attacks.
FACILITIES = Declaration(
    (
        regions("Facilities in one of these regions."),
        choices("facility_kind", "facility_kinds", Facility.Kind, "Facilities of this kind."),
        choices("status", "statuses", Facility.Status, "Facility status."),
        bbox("Facilities whose location lies in the box."),
        search("the facility's name, Ukrainian name, locality, operator or notes"),
        UPDATED_SINCE,
        moment(
            "started_after",
            "after",
            "Facilities damaged by an attack that started at or after this moment.",
        ),
        moment(
            "started_before",
            "before",
            "Facilities damaged by an attack that started before this moment.",
        ),
        choices(
            "weapon_type",
            "weapon_types",
            WeaponUse.WeaponType,
            "Facilities damaged by an attack that used this weapon type.",
        ),
        choices(
            "verification_status",
            "verification_statuses",
            Attack.Verification,
            "Facilities damaged by an attack with this verification status.",
        ),
        choices(
            "service",
            "services",
            OutageReport.Service,
            "Facilities damaged by an attack linked to outages of this service.",
        ),
    )
)

# The map layers of attacks and facilities: their collection's filters, and the zoom.
ZOOM = integer(
    "zoom",
    "The map's zoom level (web map tiles). With it, a layer whose box and filters hold more "
    "than MAP_CLUSTER_ABOVE features (5,000 unless the site sets otherwise) answers with "
    "clusters on the tile grid of that zoom: features with `cluster: true`, a point at the "
    "centre of their members, `count`, the dominant weapon type (attacks) or kind "
    "(facilities), and `bounds` [west, south, east, north] of the members. Without it, "
    "features only, up to MAP_MAX_FEATURES.",
    minimum=0,
    maximum=MAX_ZOOM,
)
ATTACKS_LAYER = ATTACKS + Declaration((ZOOM,))
FACILITIES_LAYER = FACILITIES + Declaration((ZOOM,))

# Outage figures: the list and the outages export.
OUTAGES = Declaration(
    (
        regions("Figures for one of these regions."),
        choices("service", "services", OutageReport.Service, "Figures for this service."),
        choices("unit", "units", OutageReport.Unit, "Figures counted in this unit."),
        record("attack", _("Figures linked to this attack (its id).")),
        publication_state("Figures"),
        moment("as_of_after", "after", "Figures as of this moment or later."),
        moment(
            "as_of_before",
            "before",
            "Figures as of before this moment; a bare date includes that whole day.",
        ),
        bbox("Figures for regions whose boundary overlaps the box."),
        search("the locality"),
        UPDATED_SINCE,
    )
)

OUTAGE_SERIES = Declaration(
    (
        Param(
            "region",
            "regions",
            "regions",
            "The region's ISO 3166-2 code, e.g. UA-30.",
            required=True,
            many=False,
        ),
        Param(
            "service",
            "services",
            "choices",
            "The service.",
            choices=tuple(OutageReport.Service.values),
            required=True,
            many=False,
        ),
        moment("started_after", "after", "Figures as of this moment or later."),
        moment("started_before", "before", "Figures as of before this moment."),
    )
)

REGIONS = Declaration(
    (
        choices("kind", "kinds", Region.Kind, "Kind of region.", lookup="kind"),
        search("the code or the English or Ukrainian name", ("code", "name_en", "name_uk")),
        UPDATED_SINCE,
    )
)

WEAPON_USES = Declaration(
    (
        record("attack", "Weapons of this attack (its id).", lookup="attack_id"),
        choices("weapon_type", "weapon_types", WeaponUse.WeaponType, "Type.", lookup="weapon_type"),
        moment(
            "started_after",
            "after",
            "Weapons of attacks that started at or after this moment.",
            lookup="attack__started_at",
        ),
        moment(
            "started_before",
            "before",
            "Weapons of attacks that started before this moment.",
            lookup="attack__started_at",
        ),
        search("the model", ("model",)),
        UPDATED_SINCE,
    )
)

DAMAGES = Declaration(
    (
        record("attack", "Damage done by this attack (its id).", lookup="attack_id"),
        record("facility", "Damage to this facility (its id).", lookup="facility_id"),
        regions("Damage to facilities in one of these regions.", lookup="facility__region__code"),
        choices(
            "facility_kind",
            "facility_kinds",
            Facility.Kind,
            "Damage to facilities of this kind.",
            lookup="facility__kind",
        ),
        choices("severity", "severities", Damage.Severity, "Severity.", lookup="severity"),
        choices(
            "restoration_status",
            "restorations",
            Damage.Restoration,
            "Restoration status.",
            lookup="restoration_status",
        ),
        moment(
            "started_after",
            "after",
            "Damage by attacks that started at or after this moment.",
            lookup="attack__started_at",
        ),
        moment(
            "started_before",
            "before",
            "Damage by attacks that started before this moment.",
            lookup="attack__started_at",
        ),
        bbox("Damage to facilities located in the box.", lookup="facility__location"),
        search("the description or the facility's name", ("description", "facility__name")),
        UPDATED_SINCE,
    )
)

SOURCES = Declaration(
    (
        choices("kind", "kinds", Source.Kind, "Kind of source.", lookup="kind"),
        choices(
            "reliability",
            "reliabilities",
            Source.Reliability,
            "Reliability of the source.",
            lookup="reliability",
        ),
        choices(
            "credibility",
            "credibilities",
            Source.Credibility,
            "Credibility of the information.",
            lookup="credibility",
        ),
        moment(
            "published_after",
            "after",
            "Sources published at or after this moment.",
            lookup="published_at",
        ),
        moment(
            "published_before",
            "before",
            "Sources published before this moment; a bare date includes that whole day.",
            lookup="published_at",
        ),
        search(
            "the title, publisher, speaker or quote", ("title", "publisher", "speaker", "quote")
        ),
        UPDATED_SINCE,
    )
)

RESPONSES = Declaration(
    (
        choices("kind", "kinds", ResponseMeasure.Kind, "Kind of measure.", lookup="kind"),
        regions("Measures in one of these regions.", lookup="region__code"),
        record("attack", "Measures responding to this attack (its id).", lookup="attack_id"),
        publication_state("Measures", lookup="publication_state"),
        moment(
            "started_after",
            "after",
            "Measures that started at or after this moment.",
            lookup="started_at",
        ),
        moment(
            "started_before",
            "before",
            "Measures that started before this moment.",
            lookup="started_at",
        ),
        search("the description or actor", ("description", "actor")),
        UPDATED_SINCE,
    )
)

DELETED = Declaration(
    (
        moment("since", "after", "Only deletions at or after this moment.", lookup="history_date"),
        Param(
            "model",
            "collections",
            "choices",
            "Only deletions from this collection; repeatable.",
            choices=tuple(DELETED_MODELS),
        ),
    )
)

# A report of a period (the /reports/ page, its markdown and the API's period report):
# whole Kyiv days from `from` to `to`, both included, optionally in some regions.
REPORTS = Declaration(
    (
        moment(
            "from",
            "after",
            "The first day of the report (Kyiv time); a date-time stands for its day. "
            "Default: six days before `to`.",
        ),
        moment(
            "to",
            "before",
            "The last day of the report, included (Kyiv time); a date-time stands for its day. "
            "Default: today.",
        ),
        regions(
            "Attacks filed under, facilities and outage figures in, and measures taken in "
            "these regions."
        ),
    )
)
# The report of one day takes only the general parameters (`format`, `view`).
REPORT_DAY = Declaration(())
