"""The dashboard's API calls from many analysts at once, for locust (test_scale_bench.py).

Each simulated user is a viewer with an API token of their own (the tokens and the
range of attack ids come from the JSON file named by BENCH_LOAD_SETTINGS) who pauses
one to three seconds between calls, as a person reading a map does. The mix: map
layers at city and at oblast zoom (with `zoom`, as the dashboard asks for them), lists,
an attack's detail, and statistics for a month and for a region. Requests are named by
their shape, not their values, so locust's table has one row per kind of call.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

from locust import HttpUser, between, task

SETTINGS = json.loads(Path(os.environ["BENCH_LOAD_SETTINGS"]).read_text())
# Cities (lon, lat) and the regions they lie in.
PLACES = [
    ((30.52, 50.45), "UA-30"),
    ((36.23, 49.99), "UA-63"),
    ((24.03, 49.84), "UA-46"),
    ((30.73, 46.48), "UA-51"),
    ((35.05, 48.46), "UA-12"),
    ((28.47, 49.23), "UA-05"),
]
# Half-width and half-height (degrees) of a laptop's viewport at each zoom.
VIEWPORTS = {"city": (11, 0.47, 0.2), "oblast": (8, 3.75, 1.6)}
STATS = ("summary", "timeline", "weapons", "regions")


def bbox(center: tuple[float, float], half_width: float, half_height: float) -> str:
    lon, lat = center
    corners = (lon - half_width, lat - half_height, lon + half_width, lat + half_height)
    return ",".join(f"{number:.3f}" for number in corners)


class Analyst(HttpUser):
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = "Token " + random.choice(SETTINGS["tokens"])
        self.client.headers["Accept-Encoding"] = "gzip"

    def layer(self, scale: str) -> None:
        zoom, half_width, half_height = VIEWPORTS[scale]
        center, _ = random.choice(PLACES)
        params = {"bbox": bbox(center, half_width, half_height), "zoom": zoom}
        for kind in ("attacks", "facilities"):
            self.client.get(
                f"/api/v1/map/{kind}.geojson", params=params, name=f"{kind} layer, {scale} zoom"
            )

    @task(3)
    def city_layers(self) -> None:
        self.layer("city")

    @task(2)
    def oblast_layers(self) -> None:
        self.layer("oblast")

    @task(2)
    def lists(self) -> None:
        self.client.get("/api/v1/attacks/", params={"page_size": 50}, name="attacks list")
        self.client.get("/api/v1/facilities/", params={"page_size": 50}, name="facilities list")

    @task(2)
    def detail(self) -> None:
        first, last = SETTINGS["attack_ids"]
        self.client.get(f"/api/v1/attacks/{random.randint(first, last)}/", name="attack detail")

    @task(2)
    def stats_for_a_month(self) -> None:
        year, month = random.choice([2023, 2024]), random.randint(1, 12)
        month_start = f"{year}-{month:02}"
        params = {"started_after": f"{month_start}-01", "started_before": f"{month_start}-28"}
        for endpoint in STATS:
            self.client.get(f"/api/v1/stats/{endpoint}", params=params, name=f"{endpoint}, a month")

    @task(2)
    def stats_for_a_region(self) -> None:
        _, region = random.choice(PLACES)
        for endpoint in STATS:
            self.client.get(
                f"/api/v1/stats/{endpoint}", params={"region": region}, name=f"{endpoint}, a region"
            )
