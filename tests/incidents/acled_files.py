"""Large, realistic ACLED files made on the fly for the worker and benchmark tests."""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

HEADER = [
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
]

# (admin1 as ACLED spells it, a place in it, latitude, longitude)
PLACES = (
    ("Kharkiv", "Kharkiv", 49.9935, 36.2304),
    ("Kyiv City", "Kyiv", 50.4501, 30.5234),
    ("Kyiv", "Ukrainka", 50.1447, 30.7386),
    ("Odesa", "Odesa", 46.4825, 30.7233),
    ("Dnipropetrovsk", "Nikopol", 47.5669, 34.3961),
    ("Zaporizhia", "Zaporizhzhia", 47.8388, 35.1396),
    ("Mykolaiv", "Mykolaiv", 46.9750, 31.9946),
    ("Sumy", "Sumy", 50.9077, 34.7981),
    ("Lviv", "Lviv", 49.8397, 24.0297),
    ("Khmelnytskyi", "Burshtyn", 49.4216, 26.9965),
)
SOURCES = (("Suspilne", "National"), ("Ukrainska Pravda", "National"), ("Telegram", "New media"))


def write_acled_file(path: Path, rows: int, *, seed: int = 4) -> Path:
    """`rows` distinct Ukrainian events, each a strike on energy infrastructure."""
    rng = random.Random(seed)
    start = date(2023, 1, 1)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for number in range(rows):
            admin1, place, lat, lon = PLACES[number % len(PLACES)]
            source, scale = SOURCES[number % len(SOURCES)]
            day = start + timedelta(days=number % 700)
            writer.writerow(
                [
                    f"UKR{200000 + number}",
                    day.isoformat(),
                    day.year,
                    1 + number % 3,
                    "Political violence",
                    "Explosions/Remote violence",
                    "Air/drone strike",
                    "Military Forces of Russia (2000-)",
                    "",
                    "8",
                    "Civilians (Ukraine)",
                    "",
                    "7",
                    "87",
                    "",
                    "804",
                    "Europe",
                    "Ukraine",
                    admin1,
                    "",
                    "",
                    place,
                    f"{lat + rng.uniform(-0.05, 0.05):.4f}",
                    f"{lon + rng.uniform(-0.05, 0.05):.4f}",
                    1,
                    source,
                    scale,
                    f"On {day:%d %B %Y}, Russian drones struck an energy facility (substation) "
                    f"in {place}, causing power outages.",
                    number % 3,
                    "",
                    "1711929600",
                ]
            )
    return path
