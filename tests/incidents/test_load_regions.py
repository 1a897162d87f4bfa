import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from django.core.management import CommandError, call_command

from incidents import selectors
from incidents.models import Facility, Region
from incidents.services import facilities
from tests.conftest import OBLASTS_GEOJSON
from tests.factories import DARNYTSIA

# Maidan Nezalezhnosti, in the centre of Kyiv.
CENTRAL_KYIV = Point(30.5234, 50.4501, srid=4326)
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[28.0, 47.0], [28.2, 47.0], [28.2, 47.2], [28.0, 47.2], [28.0, 47.0]]],
}


def run(*args: str, **options) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("load_regions", *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def write_geojson(tmp_path: Path, features: list, name: str = "regions.geojson") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def feature(properties: dict, geometry: dict | None = SQUARE) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


@pytest.fixture
def no_configured_file(settings):
    settings.REGIONS_GEOJSON = ""
    return settings


@pytest.fixture
def closed_port_url(no_configured_file) -> str:
    # Bind and release a port: nothing listens there afterwards.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api/current/gbOpen/UKR/ADM1/"
    no_configured_file.REGIONS_DOWNLOAD_URL = url
    no_configured_file.REGIONS_DOWNLOAD_TIMEOUT = 2
    return url


@pytest.fixture
def http_server() -> Iterator[tuple[str, dict[str, bytes]]]:
    """A real HTTP server on 127.0.0.1 that answers the bodies put into `routes`."""
    routes: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = routes.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", routes
    finally:
        server.shutdown()
        server.server_close()


# --------------------------------------------------------------------------- the shared file


def test_the_shared_file_gives_27_units_with_boundaries(db):
    out, err = run(str(OBLASTS_GEOJSON))

    assert Region.objects.count() == 27
    assert Region.objects.filter(boundary__isnull=False).count() == 27
    assert "created 27, updated 0, unchanged 0, skipped 0" in out
    assert err == ""


def test_known_codes_get_the_canonical_names_whatever_the_file_spells(db):
    run(str(OBLASTS_GEOJSON))

    odesa = Region.objects.get(code="UA-51")
    assert (odesa.name_en, odesa.name_uk, odesa.kind) == (
        "Odesa Oblast",
        "Одеська область",
        "oblast",
    )
    kyiv = Region.objects.get(code="UA-30")
    assert (kyiv.name_en, kyiv.name_uk, kyiv.kind) == ("Kyiv", "Київ", "city")
    assert Region.objects.get(code="UA-40").kind == "city"
    crimea = Region.objects.get(code="UA-43")
    assert (crimea.name_en, crimea.kind) == ("Autonomous Republic of Crimea", "republic")


def test_running_twice_creates_nothing_new_and_writes_nothing(db):
    run(str(OBLASTS_GEOJSON))
    history_rows = Region.history.count()
    stamps = dict(Region.objects.values_list("code", "updated_at"))

    out, _ = run(str(OBLASTS_GEOJSON))

    assert "created 0, updated 0, unchanged 27, skipped 0" in out
    assert Region.objects.count() == 27
    assert Region.history.count() == history_rows
    assert dict(Region.objects.values_list("code", "updated_at")) == stamps


def test_kyiv_city_lies_in_the_hole_of_kyiv_oblast(oblasts):
    assert not oblasts["UA-32"].boundary.covers(CENTRAL_KYIV)
    assert oblasts["UA-30"].boundary.covers(CENTRAL_KYIV)
    assert selectors.region_containing(CENTRAL_KYIV).code == "UA-30"


def test_a_point_in_darnytsia_lands_in_kyiv_city(oblasts):
    assert selectors.region_containing(Point(30.64, 50.446, srid=4326)).code == "UA-30"


def test_a_facility_created_in_darnytsia_is_filed_under_kyiv_city(oblasts):
    facility = facilities.facility_create(
        created_by=None,
        name="Darnytsia heating plant",
        kind=Facility.Kind.CHP,
        location=DARNYTSIA,
    )

    assert facility.region.code == "UA-30"


# --------------------------------------------------------------------------- without a path


def test_without_a_download_it_creates_the_27_units_without_boundaries_and_says_so(
    db, closed_port_url
):
    out, err = run()

    assert Region.objects.count() == 27
    assert not Region.objects.filter(boundary__isnull=False).exists()
    assert "Downloading the boundary metadata" in err
    assert closed_port_url in err
    assert "cannot be placed into regions" in err
    assert "created 27" in out
    assert Region.objects.get(code="UA-30").name_uk == "Київ"


def test_the_fallback_never_erases_boundaries_already_stored(oblasts, closed_port_url):
    out, err = run()

    assert Region.objects.filter(boundary__isnull=False).count() == 27
    assert "unchanged 27" in out
    assert "built-in table" in err
    assert "cannot be placed" not in err


def test_a_configured_file_is_used_without_a_path(db, settings):
    settings.REGIONS_GEOJSON = str(OBLASTS_GEOJSON)
    settings.REGIONS_DOWNLOAD_URL = "http://127.0.0.1:9/never-asked"

    run()

    assert Region.objects.filter(boundary__isnull=False).count() == 27


def test_it_downloads_a_feature_collection_served_at_the_url(db, no_configured_file, http_server):
    base, routes = http_server
    routes["/ukr-adm1.geojson"] = OBLASTS_GEOJSON.read_bytes()
    no_configured_file.REGIONS_DOWNLOAD_URL = f"{base}/ukr-adm1.geojson"

    out, err = run()

    assert Region.objects.filter(boundary__isnull=False).count() == 27
    assert "created 27" in out
    assert err == ""


def test_it_follows_the_geoboundaries_api_link_to_the_geojson(db, no_configured_file, http_server):
    base, routes = http_server
    routes["/simplified.geojson"] = OBLASTS_GEOJSON.read_bytes()
    routes["/api/current/gbOpen/UKR/ADM1/"] = json.dumps(
        {
            "boundaryISO": "UKR",
            "boundaryType": "ADM1",
            "gjDownloadURL": f"{base}/missing-full.geojson",
            "simplifiedGeometryGeoJSON": f"{base}/simplified.geojson",
        }
    ).encode()
    no_configured_file.REGIONS_DOWNLOAD_URL = f"{base}/api/current/gbOpen/UKR/ADM1/"

    run()

    assert Region.objects.filter(boundary__isnull=False).count() == 27


def test_an_api_answer_without_a_link_falls_back_and_names_the_step(
    db, no_configured_file, http_server
):
    base, routes = http_server
    routes["/api/"] = b'{"boundaryISO": "UKR"}'
    no_configured_file.REGIONS_DOWNLOAD_URL = f"{base}/api/"

    _, err = run()

    assert Region.objects.count() == 27
    assert "neither a FeatureCollection nor a simplifiedGeometryGeoJSON" in err


def test_a_broken_link_falls_back_and_names_the_http_error(db, no_configured_file, http_server):
    base, routes = http_server
    routes["/api/"] = json.dumps({"simplifiedGeometryGeoJSON": f"{base}/gone.geojson"}).encode()
    no_configured_file.REGIONS_DOWNLOAD_URL = f"{base}/api/"

    _, err = run()

    assert "Downloading the boundary GeoJSON" in err
    assert "HTTP 404" in err
    assert Region.objects.filter(boundary__isnull=True).count() == 27


# --------------------------------------------------------------------------- bad input


def test_a_missing_file_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run(str(tmp_path / "nowhere.geojson"))
    assert not Region.objects.exists()


def test_invalid_json_names_the_line(db, tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection",\n "features": [}')

    with pytest.raises(CommandError, match=r"not valid JSON \(line 2"):
        run(str(path))


def test_a_single_feature_is_not_a_feature_collection(db, tmp_path):
    path = tmp_path / "one.geojson"
    path.write_text(json.dumps(feature({"shapeISO": "UA-05"})))

    with pytest.raises(CommandError, match="expected a GeoJSON FeatureCollection, found 'Feature'"):
        run(str(path))


def test_bad_features_are_skipped_with_their_index_and_good_ones_loaded(db, tmp_path):
    path = write_geojson(
        tmp_path,
        [
            feature({"shapeISO": "UA-05", "shapeName": "Vinnytsia Oblast"}),
            feature({"shapeName": "Somewhere"}),
            feature({"shapeISO": "UA-07"}, {"type": "Point", "coordinates": [25.3, 50.7]}),
            feature({"shapeISO": "UA-09"}, None),
            feature({"shapeISO": "UA-05"}),
            "not a feature",
        ],
    )

    out, err = run(str(path))

    assert list(Region.objects.values_list("code", flat=True)) == ["UA-05"]
    assert "Feature 1: no ISO 3166-2 code" in err
    assert "Feature 2 (UA-07): has a Point geometry" in err
    assert "Feature 3 (UA-09): has no geometry" in err
    assert "Feature 4 (UA-05): the code appears again" in err
    assert "Feature 5: not a GeoJSON Feature" in err
    assert "created 1, updated 0, unchanged 0, skipped 5" in out


def test_coordinates_outside_wgs84_are_rejected(db, tmp_path):
    projected = {
        "type": "Polygon",
        "coordinates": [[[3e6, 6e6], [3.1e6, 6e6], [3.1e6, 6.1e6], [3e6, 6e6]]],
    }
    path = write_geojson(tmp_path, [feature({"shapeISO": "UA-05"}, projected)])

    _, err = run(str(path))

    assert "Feature 0 (UA-05): has coordinates outside longitude/latitude ranges" in err
    assert not Region.objects.exists()


# --------------------------------------------------------------------------- other property names


@pytest.mark.parametrize(
    "code_key", ["ISO3166-2", "iso_3166_2", "ISO_3166_2", "iso", "code", "ref"]
)
def test_other_code_property_names_are_understood(db, tmp_path, code_key):
    path = write_geojson(tmp_path, [feature({code_key: "UA-51", "name": "Odessa"})])

    run(str(path))

    odesa = Region.objects.get(code="UA-51")
    assert odesa.name_en == "Odesa Oblast"
    assert odesa.boundary is not None


@pytest.mark.parametrize(
    ("properties", "name_en", "name_uk"),
    [
        (
            {"ISO3166-2": "MD-CU", "name:en": "Chișinău", "name:uk": "Кишинів"},
            "Chișinău",
            "Кишинів",
        ),
        (
            {"iso_3166_2": "MD-CU", "name_en": "Chisinau", "name_uk": "Кишинів"},
            "Chisinau",
            "Кишинів",
        ),
        ({"code": "md-cu", "NAME_1": "Chisinau"}, "Chisinau", ""),
        ({"ref": "MD-CU", "name": "Chișinău"}, "Chișinău", ""),
    ],
)
def test_unknown_codes_take_the_file_names(db, tmp_path, properties, name_en, name_uk):
    path = write_geojson(tmp_path, [feature(properties)])

    run(str(path))

    region = Region.objects.get(code="MD-CU")
    assert (region.name_en, region.name_uk) == (name_en, name_uk)


def test_a_multipolygon_is_kept_whole(db, tmp_path):
    second = [[[29.0, 47.0], [29.1, 47.0], [29.1, 47.1], [29.0, 47.0]]]
    multi = {"type": "MultiPolygon", "coordinates": [SQUARE["coordinates"], second]}
    path = write_geojson(tmp_path, [feature({"shapeISO": "UA-05"}, multi)])

    run(str(path))

    boundary = Region.objects.get(code="UA-05").boundary
    assert boundary.geom_type == "MultiPolygon"
    assert len(boundary) == 2
    assert boundary.srid == 4326


def test_a_changed_boundary_is_updated(db, tmp_path):
    run(str(write_geojson(tmp_path, [feature({"shapeISO": "UA-05"})], "a.geojson")))
    moved = {"type": "Polygon", "coordinates": [[[28, 47], [28.5, 47], [28.5, 47.5], [28, 47]]]}

    out, _ = run(str(write_geojson(tmp_path, [feature({"shapeISO": "UA-05"}, moved)], "b.geojson")))

    assert "created 0, updated 1, unchanged 0" in out
    assert Region.objects.get(code="UA-05").boundary.covers(Point(28.4, 47.05, srid=4326))
