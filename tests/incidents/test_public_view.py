"""The public view leaks nothing: every public endpoint and page, read anonymously.

One set of records covers every way a record stays out of the public view (draft,
in review, withdrawn, illustrative, too young, confidential source, internal
notes) and every coarsening (6-decimal points, a facility shown only by region).
The endpoints are enumerated from the OpenAPI schema, so a new one is swept too.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from incidents.api import exports
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
from incidents.services import attacks, facilities, outages, publication, sources

pytestmark = pytest.mark.django_db

# Words that appear only in records the public must not see.
HIDDEN_WORDS = {
    "draft attack": "Xylodraft",
    "attack in review": "Quillreview",
    "withdrawn attack": "Wombatgone",
    "illustrative attack": "Lemurdemo",
    "attack younger than the delay": "Ocelotsoon",
    "draft outage": "Draftville",
    "withdrawn outage": "Gonetown",
    "draft measure": "Draftmeasure",
    "withdrawn measure": "Gonemeasure",
    "confidential source title": "Kestrel briefing",
    "confidential source quote": "Kestrelquote",
    "facility notes": "Marmotnote",
    "illustrative facility": "Tapirsample",
    "damage of a draft attack": "Draftdamage",
    "locality of a facility shown by region only": "Saltivka",
}
# Six-decimal points: what the analysts stored.
ATTACK_POINT = (30.123456, 50.456789)
PLANT_POINT = (30.654321, 50.432198)
HIDDEN_PLANT_POINT = (36.234567, 49.987654)
HIDDEN_ATTACK_POINT = (36.245678, 49.976543)
STORED_POINTS = (ATTACK_POINT, PLANT_POINT, HIDDEN_PLANT_POINT, HIDDEN_ATTACK_POINT)
COLLECTIONS = {
    "regions": Region,
    "facilities": Facility,
    "attacks": Attack,
    "weapon-uses": WeaponUse,
    "damages": Damage,
    "outages": OutageReport,
    "sources": Source,
    "responses": ResponseMeasure,
}


@dataclass
class World:
    published: Attack
    on_hidden_plant: Attack
    plant: Facility
    hidden_plant: Facility
    confidential: Source
    withdrawn: Attack
    # The ids the public must not see, per collection.
    hidden: dict[str, set[int]] = field(default_factory=dict)
    visible: dict[str, set[int]] = field(default_factory=dict)
    region_codes: set[str] = field(default_factory=set)


def point(xy: tuple[float, float]) -> Point:
    return Point(*xy, srid=4326)


def _attack(analyst, summary: str, hours_ago: float, xy=None, **fields) -> Attack:
    return attacks.attack_create(
        created_by=analyst,
        started_at=timezone.now() - timedelta(hours=hours_ago),
        summary=summary,
        impact_location=point(xy) if xy else None,
        **fields,
    )


def _measure(analyst, region, description: str, sources=(), **fields) -> ResponseMeasure:
    measure = ResponseMeasure(
        kind=ResponseMeasure.Kind.GENERATORS, region=region, description=description, **fields
    )
    links = {"sources": sources}
    return outages.response_measure_save(measure, user=analyst, links=links)


@pytest.fixture
def world(oblasts, analyst, reviewer) -> World:
    open_source = sources.source_create(
        created_by=analyst, kind=Source.Kind.OFFICIAL_STATEMENT, title="Ministry statement"
    )
    confidential = sources.source_create(
        created_by=analyst,
        kind=Source.Kind.FIELD_REPORT,
        title="Kestrel briefing from the grid operator",
        quote="Kestrelquote: the spare transformer is kept at the depot",
        confidential=True,
    )
    cited = [open_source, confidential]
    plant = facilities.facility_create(
        created_by=analyst,
        name="Darnytsia heating plant",
        kind=Facility.Kind.CHP,
        location=point(PLANT_POINT),
        notes="Marmotnote: the backup feed runs under the yard",
    )
    hidden_plant = facilities.facility_create(
        created_by=analyst,
        name="Kharkiv substation",
        kind=Facility.Kind.SUBSTATION,
        location=point(HIDDEN_PLANT_POINT),
        locality="Saltivka district",
        public_region_only=True,
    )
    sample_plant = facilities.facility_create(
        created_by=analyst,
        name="Tapirsample plant",
        kind=Facility.Kind.CHP,
        location=point((30.5, 50.45)),
        is_illustrative=True,
    )

    published = _attack(analyst, "Strike on the Darnytsia plant", 48, ATTACK_POINT, sources=cited)
    attacks.weapon_use_create(
        created_by=analyst, attack=published, weapon_type="cruise_missile", launched=10
    )
    facilities.damage_create(
        created_by=analyst, attack=published, facility=plant, severity="severe", sources=cited
    )
    on_hidden_plant = _attack(analyst, "Strike on a Kharkiv substation", 40, HIDDEN_ATTACK_POINT)
    facilities.damage_create(
        created_by=analyst, attack=on_hidden_plant, facility=hidden_plant, severity="destroyed"
    )
    for attack in (published, on_hidden_plant):
        publication.publish(record=attack, user=reviewer)
    kyiv = plant.region
    outage = outages.outage_report_create(
        created_by=analyst,
        region=kyiv,
        service="heating",
        unit="buildings",
        count=1100,
        as_of=timezone.now() - timedelta(hours=40),
        attack=published,
        sources=cited,
    )
    measure = _measure(analyst, kyiv, "Generators sent", attack=published, sources=cited)
    for record in (outage, measure):
        publication.publish(record=record, user=reviewer)

    draft = _attack(analyst, "Xylodraft strike", 30, (30.711111, 50.411111))
    facilities.damage_create(
        created_by=analyst,
        attack=draft,
        facility=plant,
        severity="minor",
        description="Draftdamage",
    )
    in_review = _attack(analyst, "Quillreview strike", 30, (30.722222, 50.422222))
    publication.submit_for_review(record=in_review, user=analyst)
    withdrawn = _attack(analyst, "Wombatgone strike", 30, (30.733333, 50.433333))
    publication.publish(record=withdrawn, user=reviewer)
    publication.withdraw(record=withdrawn, user=reviewer)
    illustrative = _attack(
        analyst, "Lemurdemo strike", 30, (30.744444, 50.444444), is_illustrative=True
    )
    facilities.damage_create(
        created_by=analyst, attack=illustrative, facility=sample_plant, severity="minor"
    )
    publication.publish(record=illustrative, user=reviewer)
    young = _attack(analyst, "Ocelotsoon strike", 1, (30.755555, 50.455555))
    attacks.weapon_use_create(created_by=analyst, attack=young, weapon_type="attack_drone")
    publication.publish(record=young, user=reviewer)

    as_of = timezone.now() - timedelta(hours=20)
    draft_outage = outages.outage_report_create(
        created_by=analyst,
        region=kyiv,
        service="electricity",
        unit="households",
        count=7,
        as_of=as_of,
        locality="Draftville",
        attack=published,
    )
    gone_outage = outages.outage_report_create(
        created_by=analyst,
        region=kyiv,
        service="water",
        unit="households",
        count=9,
        as_of=as_of,
        locality="Gonetown",
    )
    draft_measure = _measure(analyst, kyiv, "Draftmeasure", attack=published)
    gone_measure = _measure(analyst, kyiv, "Gonemeasure")
    for record in (gone_outage, gone_measure):
        publication.publish(record=record, user=reviewer)
        publication.withdraw(record=record, user=reviewer)

    hidden_attacks = {draft.pk, in_review.pk, withdrawn.pk, illustrative.pk, young.pk}
    return World(
        published=published,
        on_hidden_plant=on_hidden_plant,
        plant=plant,
        hidden_plant=hidden_plant,
        confidential=confidential,
        withdrawn=withdrawn,
        hidden={
            "attacks": hidden_attacks,
            "weapon-uses": set(
                WeaponUse.objects.filter(attack_id__in=hidden_attacks).values_list("pk", flat=True)
            ),
            "damages": set(
                Damage.objects.filter(attack_id__in=hidden_attacks).values_list("pk", flat=True)
            ),
            "outages": {draft_outage.pk, gone_outage.pk},
            "responses": {draft_measure.pk, gone_measure.pk},
            "sources": {confidential.pk},
            "facilities": {sample_plant.pk},
        },
        visible={
            "attacks": {published.pk, on_hidden_plant.pk},
            "facilities": {plant.pk, hidden_plant.pk},
            "outages": {outage.pk},
            "responses": {measure.pk},
            "sources": {open_source.pk},
            "damages": set(
                Damage.objects.filter(attack__in=[published, on_hidden_plant]).values_list(
                    "pk", flat=True
                )
            ),
            "weapon-uses": set(published.weapons.values_list("pk", flat=True)),
        },
        region_codes={plant.region.code, hidden_plant.region.code}
        | set(published.regions.values_list("code", flat=True)),
    )


# --------------------------------------------------------------------------- what is read


def schema_get_paths() -> dict[str, dict]:
    """Every GET route of the API, as the OpenAPI schema describes it."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {path: ops["get"] for path, ops in schema["paths"].items() if "get" in ops}


def collection_of(path: str) -> str | None:
    """The collection a resource route belongs to: /api/v1/attacks/{id}/ → attacks."""
    match = re.match(r"^/api/v1/([a-z-]+)/(\{[a-z_]+\}/)?$", path)
    return match.group(1) if match and match.group(1) in COLLECTIONS else None


def required_query(operation: dict, world: World) -> dict[str, str]:
    known = {"region": world.plant.region.code, "service": "heating"}
    return {
        p["name"]: known[p["name"]]
        for p in operation.get("parameters", [])
        if p.get("in") == "query" and p.get("required")
    }


def public_urls(world: World) -> list[tuple[str, str | None]]:
    """(url, collection) for every public read: API lists, details, exports, pages."""
    urls: list[tuple[str, str | None]] = []
    for path, operation in schema_get_paths().items():
        query = required_query(operation, world)
        suffix = "&".join(f"{k}={v}" for k, v in query.items())
        collection = collection_of(path)
        params = re.findall(r"\{([a-z_]+)\}", path)
        if not params:
            urls.append((f"{path}?{suffix}", collection))
            if collection or "/map/" in path:
                for export in ("csv", "hxl", "geojson", "api"):
                    urls.append((f"{path}?format={export}&{suffix}", collection))
            continue
        if collection == "regions":
            keys = sorted(world.region_codes)
        elif collection:
            keys = sorted(
                world.visible.get(collection, set()) | world.hidden.get(collection, set())
            )
        else:
            # Import jobs: none exist, and the public view holds none.
            keys = [1]
        for key in keys:
            url = re.sub(r"\{[a-z_]+\}", str(key), path)
            urls += [(url, collection)]
            urls += [(f"{url}?format={export}", collection) for export in ("csv", "api")]
    urls.append((reverse("dashboard"), None))
    for attack_id in world.visible["attacks"] | world.hidden["attacks"]:
        urls.append((reverse("attack-detail", args=[attack_id]), "attacks"))
    for facility_id in world.visible["facilities"] | world.hidden["facilities"]:
        urls.append((reverse("facility-detail", args=[facility_id]), "facilities"))
    for code in world.region_codes:
        urls.append((reverse("region-detail", args=[code]), None))
    # The reports of the days the records fall on, in every format.
    today = timezone.localdate()
    days = [(today - timedelta(days=back)).isoformat() for back in range(3)]
    recent = f"from={days[-1]}&to={days[0]}"
    for day in days:
        for output in ("html", "md"):
            urls.append((f"{reverse('report-day', args=[day])}?format={output}", None))
        urls.append((f"/api/v1/reports/{day}/", None))
    for output in ("html", "md"):
        urls.append((f"{reverse('report-period')}?{recent}&format={output}", None))
    urls.append((reverse("report-feed"), None))
    return urls


def body_of(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


# --------------------------------------------------------------------------- what must not be in it


def decimals(number: object) -> int:
    value = number if isinstance(number, Decimal) else Decimal(str(number))
    return max(0, -value.as_tuple().exponent)


def coordinate_numbers(data: object) -> list[tuple[str, Decimal]]:
    """Every number given as a coordinate in parsed JSON: GeoJSON geometries, lat/lng keys."""
    found: list[tuple[str, Decimal]] = []

    def flat(value: object, where: str) -> None:
        if isinstance(value, list):
            for item in value:
                flat(item, where)
        elif isinstance(value, Decimal | int):
            found.append((where, Decimal(value)))

    def walk(value: object, where: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "coordinates":
                    flat(item, where)
                elif key in ("lat", "lng", "lon", "latitude", "longitude"):
                    if item is not None:
                        found.append((f"{where}.{key}", Decimal(str(item))))
                else:
                    walk(item, f"{where}.{key}")
        elif isinstance(value, list):
            for item in value:
                walk(item, where)

    walk(data, "")
    return found


@dataclass
class Read:
    url: str
    body: str
    content_type: str
    parsed: object = None
    rows: list[dict] | None = None


def parse(url: str, response) -> Read:
    body = body_of(response)
    content_type = response.get("Content-Type", "")
    read = Read(url, body, content_type)
    if "json" in content_type:
        read.parsed = json.loads(body, parse_float=Decimal)
    elif "csv" in content_type:
        lines = [line for line in body.splitlines() if not line.startswith("#")]
        rows = list(csv.DictReader(io.StringIO("\n".join(lines))))
        # HXL: the second row holds the hashtags.
        read.rows = [row for row in rows if not str(row.get("id", "")).startswith("#")]
    return read


def ids_in(read: Read) -> set[int]:
    """The record ids a collection's answer lists (JSON, GeoJSON or CSV)."""
    if read.rows is not None:
        return {int(row["id"]) for row in read.rows if row.get("id", "").isdigit()}
    data = read.parsed
    if isinstance(data, dict) and "features" in data:
        return {f["id"] for f in data["features"] if isinstance(f.get("id"), int)}
    if isinstance(data, dict) and "results" in data:
        data = data["results"]
    if isinstance(data, dict):
        data = [data]
    if isinstance(data, list):
        return {item["id"] for item in data if isinstance(item, dict) and "id" in item}
    return set()


# A decimal number in Ukraine's latitudes or longitudes, with more decimals than allowed
# (not the seconds of a time, 14:37.186289).
FINE_COORDINATE = re.compile(r"(?<![\d.:])(?:2[2-9]|3\d|4\d|5[0-3])\.(\d+)")


def leaks(read: Read, world: World, collection: str | None) -> list[str]:
    found = []
    lowered = read.body.lower()
    for what, word in HIDDEN_WORDS.items():
        if word.lower() in lowered:
            found.append(f"the {what} ({word})")
    for x, y in STORED_POINTS:
        for value in (x, y):
            for text in (f"{value:.3f}", str(value)[: str(value).index(".") + 4]):
                # Not the seconds of a time: 20:24:36.235190 is no coordinate.
                if re.search(rf"(?<![\d.:]){re.escape(text)}", read.body):
                    found.append(f"the stored coordinate {value} as {text}")
    if read.parsed is not None:
        for where, number in coordinate_numbers(read.parsed):
            if decimals(number) > settings.PUBLIC_COORDINATE_DECIMALS:
                found.append(f"coordinate {number} at {where or 'top'}")
    if read.rows:
        for row in read.rows:
            for column in ("latitude", "longitude"):
                if row.get(column) and decimals(Decimal(row[column])) > 2:
                    found.append(f"{column} {row[column]} of row {row.get('id')}")
    if "html" in read.content_type:
        for match in FINE_COORDINATE.finditer(read.body):
            if len(match.group(1)) > settings.PUBLIC_COORDINATE_DECIMALS:
                found.append(f"a fine coordinate in the page: {match.group(0)}")
        for attack_id in world.hidden["attacks"]:
            if f"/attacks/{attack_id}/" in read.body:
                found.append(f"a link to hidden attack {attack_id}")
    if collection and collection in world.hidden and read.url.startswith("/api/"):
        shown = ids_in(read) & world.hidden[collection]
        if shown:
            found.append(f"hidden {collection} {sorted(shown)}")
    found += region_only_leaks(read, world)
    return found


def region_only_leaks(read: Read, world: World) -> list[str]:
    """The facility shown only by region, and the attack on it, have no point anywhere."""
    found = []
    hidden = {
        world.hidden_plant.pk: ("facilities", "location"),
        world.on_hidden_plant.pk: ("attacks", "impact_location"),
    }
    data = read.parsed
    if isinstance(data, dict) and "features" in data:
        for feature in data["features"]:
            props = feature.get("properties") or {}
            url = str(props.get("url", ""))
            for pk, (collection, _) in hidden.items():
                is_it = url.endswith(f"/{collection}/{pk}/") or (
                    f"/{collection}" in read.url and feature.get("id") == pk
                )
                if is_it and feature.get("geometry"):
                    found.append(f"the point of {collection} {pk} (region only)")
    if isinstance(data, dict):
        items = data.get("results", [data]) if isinstance(data.get("results", []), list) else []
        for item in items:
            if not isinstance(item, dict):
                continue
            for pk, (collection, column) in hidden.items():
                if f"/{collection}/" in read.url and item.get("id") == pk and item.get(column):
                    found.append(f"the {column} of {collection} {pk}")
    for row in read.rows or []:
        for pk, (collection, _) in hidden.items():
            located = row.get("latitude") or row.get("longitude")
            if f"/{collection}" in read.url and row.get("id") == str(pk) and located:
                found.append(f"the point of {collection} {pk} in the CSV")
    return found


def test_no_public_endpoint_or_page_leaks_hidden_records_or_fine_coordinates(
    client, settings, world
):
    settings.PUBLIC_READ = True
    problems = {}
    seen = 0
    for url, collection in public_urls(world):
        # The sweep reads more than the anonymous throttle allows a minute.
        cache.clear()
        response = client.get(url)
        assert response.status_code < 500 and response.status_code != 429, (
            f"{url}: {response.status_code}"
        )
        if response.status_code >= 400:
            continue
        seen += 1
        found = leaks(parse(url, response), world, collection)
        if found:
            problems[url] = found
    assert not problems, json.dumps(problems, indent=1)
    assert seen > 80


def test_hidden_records_are_not_found_by_their_address(client, settings, world):
    settings.PUBLIC_READ = True
    for collection, ids in world.hidden.items():
        for pk in ids:
            assert client.get(f"/api/v1/{collection}/{pk}/").status_code == 404, (collection, pk)
    for pk in world.hidden["attacks"]:
        assert client.get(reverse("attack-detail", args=[pk])).status_code == 404
    for pk in world.hidden["facilities"]:
        assert client.get(reverse("facility-detail", args=[pk])).status_code == 404


def test_every_visible_record_is_listed_to_the_public(client, settings, world):
    settings.PUBLIC_READ = True
    for collection, ids in world.visible.items():
        response = client.get(f"/api/v1/{collection}/?page_size=100")
        assert ids <= ids_in(parse(collection, response)), collection


def test_the_withdrawn_attack_is_listed_in_the_deletion_feed(client, settings, world):
    settings.PUBLIC_READ = True
    response = client.get("/api/v1/deleted/?model=attacks")
    assert response.status_code == 200, response.content
    deleted = {(row["model"], row["id"]) for row in response.json()["results"]}
    assert ("attacks", world.withdrawn.pk) in deleted


def test_the_parts_of_a_withdrawn_attack_are_listed_in_the_deletion_feed(
    client, settings, world, reviewer
):
    settings.PUBLIC_READ = True
    publication.withdraw(record=world.published, user=reviewer)
    feed = client.get("/api/v1/deleted/?page_size=100").json()["results"]
    deleted = {(row["model"], row["id"]) for row in feed}
    damages = set(world.published.damages.values_list("pk", flat=True))
    weapons = set(world.published.weapons.values_list("pk", flat=True))
    assert {("damages", pk) for pk in damages} <= deleted
    assert {("weapon-uses", pk) for pk in weapons} <= deleted
    assert ("attacks", world.published.pk) in deleted


def test_a_facility_shown_by_region_is_off_the_map_but_listed_under_its_region(
    client, settings, world
):
    settings.PUBLIC_READ = True
    layer = client.get("/api/v1/map/facilities.geojson").json()
    on_map = {feature["id"] for feature in layer["features"]}
    assert world.plant.pk in on_map and world.hidden_plant.pk not in on_map
    assert all(feature["geometry"] for feature in layer["features"])
    attacks_layer = client.get("/api/v1/map/attacks.geojson").json()
    assert world.on_hidden_plant.pk not in {f["id"] for f in attacks_layer["features"]}

    listed = client.get(f"/api/v1/facilities/{world.hidden_plant.pk}/").json()
    assert listed["location"] is None and listed["name"] == "Kharkiv substation"
    page = client.get(reverse("facility-detail", args=[world.hidden_plant.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Kharkiv substation" in html and "shown by region only" in html
    region = client.get(reverse("region-detail", args=[world.hidden_plant.region.code]))
    assert "Kharkiv substation" in region.content.decode()
    attack = client.get(reverse("attack-detail", args=[world.on_hidden_plant.pk]))
    assert attack.status_code == 200 and "Kharkiv substation" in attack.content.decode()


def test_a_logged_in_reader_sees_everything_and_with_view_public_what_the_public_sees(
    client, settings, world, viewer
):
    settings.PUBLIC_READ = True
    anonymous = {
        url: body_of(client.get(url))
        for url in (
            "/api/v1/attacks/",
            "/api/v1/outages/",
            "/api/v1/map/facilities.geojson",
            reverse("region-detail", args=[world.plant.region.code]),
        )
    }
    client.force_login(viewer)
    listed = ids_in(parse("", client.get("/api/v1/attacks/?page_size=100")))
    assert world.hidden["attacks"] | world.visible["attacks"] <= listed
    page = client.get(reverse("attack-detail", args=[world.published.pk])).content.decode()
    assert "Kestrel briefing" in page and "Draftville" in page
    for url, body in anonymous.items():
        joiner = "&" if "?" in url else "?"
        public = body_of(client.get(f"{url}{joiner}view=public"))
        assert "Xylodraft" not in public and "Draftville" not in public
        if url.startswith("/api/"):
            assert json.loads(public) == json.loads(body), url
    response = client.get(reverse("attack-detail", args=[world.published.pk]) + "?view=public")
    assert "Edit in data entry" not in response.content.decode()


def test_after_a_public_request_a_private_one_on_the_same_connection_sees_drafts(
    client, settings, world, viewer
):
    settings.PUBLIC_READ = True
    client.get("/api/v1/attacks/")
    with connection.cursor() as cursor:
        cursor.execute("SHOW search_path")
        assert "public_view" not in cursor.fetchone()[0]
    client.force_login(viewer)
    listed = ids_in(parse("", client.get("/api/v1/attacks/?page_size=100")))
    assert world.hidden["attacks"] <= listed


def test_a_streamed_export_in_the_public_view_reads_public_rows(client, settings, world):
    settings.PUBLIC_READ = True
    response = client.get("/api/v1/exports/attacks.csv")
    assert response.streaming
    # The body is read now, after the request's middleware has returned.
    read = parse("/api/v1/exports/attacks.csv", response)
    assert ids_in(read) == world.visible["attacks"]
    assert "Xylodraft" not in read.body


# --------------------------------------------------------------------------- statistics


def test_the_statistics_count_only_what_the_public_view_holds(client, settings, world, viewer):
    settings.PUBLIC_READ = True
    summary = client.get("/api/v1/stats/summary").json()
    assert summary["attacks"] == 2
    assert (summary["facilities_damaged"], summary["facilities_destroyed"]) == (1, 1)
    assert summary["weapons_launched"] == 10
    assert summary["outages_current"] == [
        {"service": "heating", "unit": "buildings", "count": 1100, "regions": 1}
    ]
    timeline = client.get("/api/v1/stats/timeline").json()["results"]
    assert sum(period["attacks"] for period in timeline) == 2
    regions = client.get("/api/v1/stats/regions").json()["results"]
    assert sum(region["facilities_destroyed"] for region in regions) == 1
    weapons = client.get("/api/v1/stats/weapons").json()["results"]
    assert {row["weapon_type"] for row in weapons} == {"cruise_missile"}

    client.force_login(viewer)
    assert client.get("/api/v1/stats/summary").json()["attacks"] == 7
    assert client.get("/api/v1/stats/summary?view=public").json() == summary


def test_the_summary_says_which_counted_records_the_map_does_not_draw(client, settings, world):
    settings.PUBLIC_READ = True
    summary = client.get("/api/v1/stats/summary").json()
    drawn = client.get("/api/v1/map/facilities.geojson").json()["features"]
    on_map = len([f for f in drawn if f["properties"]["last_severity"] not in (None, "none")])
    counted = summary["facilities_damaged"] + summary["facilities_destroyed"]
    assert (counted, on_map) == (2, 1)
    assert summary["not_on_map"] == [
        {"figure": "attacks", "count": 1, "reason": "no_impact_point"},
        {"figure": "facilities_destroyed", "count": 1, "reason": "shown_by_region_only"},
    ]
    attacks_on_map = len(client.get("/api/v1/map/attacks.geojson").json()["features"])
    assert summary["attacks"] - attacks_on_map == 1

    # The dashboard shows each note under its figure (static/incidents/dashboard/summary.js).
    html = client.get(reverse("dashboard")).content.decode()
    for figure in ("attacks", "facilities_damaged", "facilities_destroyed"):
        assert f'data-note="{figure}"' in html
    script = (settings.BASE_DIR / "static/incidents/dashboard/summary.js").read_text()
    assert "shown only by region" in script and "not_on_map" in script


def test_damage_the_public_does_not_see_yet_does_not_move_a_facility_s_update_time(
    client, settings, world, analyst, reviewer
):
    settings.PUBLIC_READ = True
    url = f"/api/v1/facilities/{world.plant.pk}/"
    before = client.get(url).json()
    struck = timezone.now()
    strike = _attack(analyst, "Ocelotsoon second strike", 1, (30.65, 50.43))
    facilities.damage_create(
        created_by=analyst, attack=strike, facility=world.plant, severity="destroyed"
    )
    publication.publish(record=strike, user=reviewer)
    assert Facility.objects.get(pk=world.plant.pk).status == "destroyed"

    after = client.get(url).json()
    # Neither the status nor the update time tells that the plant was hit an hour ago.
    assert (after["status"], after["updated_at"]) == (before["status"], before["updated_at"])
    since = struck.isoformat().replace("+00:00", "Z")
    changed = client.get("/api/v1/facilities/", {"updated_since": since}).json()
    assert world.plant.pk not in {facility["id"] for facility in changed["results"]}


def test_only_the_public_view_of_a_layer_may_be_kept_in_a_shared_cache(
    client, settings, world, viewer
):
    settings.PUBLIC_READ = True
    layer = "/api/v1/map/attacks.geojson"
    assert client.get(layer)["Cache-Control"] == "no-cache"
    client.force_login(viewer)
    assert client.get(layer)["Cache-Control"] == "private, no-cache"
    assert client.get(layer + "?view=public")["Cache-Control"] == "no-cache"


@pytest.mark.django_db(transaction=True)
def test_a_streamed_export_outside_a_transaction_reads_public_rows_to_the_end(
    client, settings, monkeypatch, analyst, reviewer
):
    # In autocommit, as in production, the export reads its first chunk in the view and the
    # rest while the body is sent, after the middleware has put the full data back.
    settings.PUBLIC_READ = True
    monkeypatch.setattr(exports, "ROWS_PER_CHUNK", 1)
    shown = set()
    for hours in (48, 47, 46):
        attack = _attack(analyst, "Strike on the Darnytsia plant", hours, PLANT_POINT)
        publication.publish(record=attack, user=reviewer)
        _attack(analyst, "Xylodraft strike", hours, ATTACK_POINT)
        shown.add(attack.pk)
    response = client.get("/api/v1/exports/attacks.csv")
    assert response.streaming
    read = parse("/api/v1/exports/attacks.csv", response)
    assert ids_in(read) == shown
    assert "Xylodraft" not in read.body and "30.654321" not in read.body
    with connection.cursor() as cursor:
        cursor.execute("SHOW search_path")
        assert "public_view" not in cursor.fetchone()[0]


def test_a_source_made_confidential_after_publication_is_no_longer_named_by_any_record(
    client, settings, world, analyst
):
    settings.PUBLIC_READ = True
    source = Source.objects.get(pk=next(iter(world.visible["sources"])))
    source.confidential = True
    sources.source_save(source, user=analyst)
    for url in (
        "/api/v1/exports/attacks.csv",
        "/api/v1/outages/?format=csv",
        "/api/v1/responses/?format=csv",
        "/api/v1/damages/?format=csv",
    ):
        cache.clear()
        rows = parse(url, client.get(url)).rows
        named = {value for row in rows for value in row["sources"].split(";") if value}
        assert str(source.pk) not in named, url
    attack = client.get(f"/api/v1/attacks/{world.published.pk}/").json()
    assert source.pk not in attack["sources"]
    assert client.get(f"/api/v1/sources/{source.pk}/").status_code == 404


def test_damage_to_a_facility_made_illustrative_after_publication_leaves_the_public_view(
    client, settings, world, analyst
):
    settings.PUBLIC_READ = True
    plant = Facility.objects.get(pk=world.plant.pk)
    plant.is_illustrative = True
    facilities.facility_save(plant, user=analyst)
    damages = ids_in(parse("", client.get("/api/v1/damages/?page_size=100")))
    assert not damages & set(plant.damages.values_list("pk", flat=True))
    attack = client.get(f"/api/v1/attacks/{world.published.pk}/").json()
    assert attack["damages"] == []
