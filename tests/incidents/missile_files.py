"""Large, realistic "massive missile attacks on Ukraine" files made on the fly for benchmarks."""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta
from pathlib import Path

HEADER = [
    "time_start",
    "time_end",
    "model",
    "launch_place",
    "target",
    "target_main",
    "carrier",
    "launched",
    "destroyed",
    "not_reach_goal",
    "cross_border_belarus",
    "back_russia",
    "still_attacking",
    "border_crossing",
    "is_shahed",
    "source",
]

# (model, carrier, launch places): a wave of drones often comes from two sites,
# which the data set lists as two rows with the same time, model and target.
WEAPONS = (
    ("Shahed-136/131", "", ("Kursk oblast", "Primorsko-Akhtarsk")),
    ("Kh-101/Kh-555", "Tu-95MS", ("Saratov oblast",)),
    ("Kalibr", "", ("Black Sea",)),
    ("Iskander-M", "", ("Belgorod oblast", "Kursk oblast")),
    ("Kinzhal", "MiG-31K", ("Tambov oblast",)),
    ("Kh-59", "Su-34", ("Zaporizhzhia oblast",)),
)
TARGETS = (
    "Ukraine",
    "Kyiv",
    "Kyiv oblast and Kharkiv oblast",
    "Odesa oblast and Mykolaiv oblast",
    "south and east",
    "Dnipropetrovsk oblast",
    "Lviv oblast and Khmelnytskyi oblast",
    "Kharkiv oblast",
)


def write_missile_file(path: Path, rows: int, *, seed: int = 7) -> Path:
    """`rows` rows of waves: one time per wave, several weapons, some from two sites."""
    rng = random.Random(seed)
    start = datetime(2022, 10, 10, 2, 0)
    written = 0
    wave = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        while written < rows:
            began = start + timedelta(hours=3 * wave)
            ended = began + timedelta(hours=rng.randint(1, 8))
            target = TARGETS[wave % len(TARGETS)]
            for model, carrier, places in WEAPONS[: 1 + wave % len(WEAPONS)]:
                for place in places:
                    if written == rows:
                        break
                    launched = rng.randint(1, 60)
                    writer.writerow(
                        [
                            began.strftime("%Y-%m-%d %H:%M"),
                            ended.strftime("%Y-%m-%d %H:%M"),
                            model,
                            place,
                            target,
                            target.split(" and ")[0],
                            carrier,
                            f"{launched}.0",
                            f"{rng.randint(0, launched)}.0",
                            "",
                            "",
                            "",
                            "",
                            "",
                            int(model.startswith("Shahed")),
                            f"https://t.me/kpszsu/{10000 + wave}",
                        ]
                    )
                    written += 1
            wave += 1
    return path
