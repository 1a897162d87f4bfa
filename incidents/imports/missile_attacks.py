"""The public "massive missile attacks on Ukraine" CSV → attacks with weapon counts.

Each row is one wave of one weapon model: time_start, time_end, model,
launch_place, target, launched, destroyed (= intercepted), not_reach_goal, …
Counts may be written as floats ("12.0"), times may lack the hour, and the
target may join several oblasts with " and " or name a part of the country
("south"), which is kept in the description and never turned into regions.
Rows are written in bulk (`AttackBatchImporter`); each row is one attack, also
when several rows share a time, model and target (see `records`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from typing import Any

from django.utils.translation import gettext

from incidents.imports.base import (
    AttackBatchImporter,
    Column,
    CsvImporter,
    Record,
    RowRejected,
    occurrence_id,
    parse_datetime,
    parse_int,
)
from incidents.imports.bulk import AttackRow, WeaponRow
from incidents.models import Attack, WeaponUse
from incidents.region_names import is_macro_region, region_code

EXTERNAL_SOURCE = "missile-attacks"
KEY_COLUMNS = ("time_start", "model", "target")
W = WeaponUse.WeaponType

# Checked in order: "Iskander-K" is a cruise missile, "Iskander-M" a ballistic one.
_WEAPON_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), weapon_type)
    for pattern, weapon_type in (
        (r"shahed|geran|gerbera|harpy|lancet|\buav\b|drone", W.DRONE),
        (r"iskander[- ]?k\b|kalibr|[xkх]h?[- ]?(101|555|55|59|69|22|32|35)\b", W.CRUISE),
        (r"kinzhal|kh[- ]?47|zircon|tsirkon", W.HYPERSONIC),
        (r"iskander|kn[- ]?23|s[- ]?300|s[- ]?400|tochka|ballistic", W.BALLISTIC),
        (r"\bkab\b|\bfab\b|\bupab\b|guided bomb", W.GUIDED_BOMB),
    )
)
_SPLIT_MODELS = re.compile(r"\s+and\s+|\s*,\s*|\s*\+\s*|\s*/\s*(?=[A-Za-zХх])", re.IGNORECASE)
_SPLIT_TARGETS = re.compile(r"\s+and\s+|\s*,\s*|\s*;\s*", re.IGNORECASE)


# A data set names few models and targets, row after row: each is worked out once.
@functools.lru_cache(maxsize=4096)
def weapon_type(model: str) -> str:
    """The weapon type of a model; a row naming models of several types is "unknown"."""
    types = set()
    for part in filter(None, _SPLIT_MODELS.split(model)):
        for pattern, kind in _WEAPON_PATTERNS:
            if pattern.search(part):
                types.add(kind)
                break
        else:
            types.add(W.UNKNOWN)
    return types.pop() if len(types) == 1 else W.UNKNOWN


@functools.lru_cache(maxsize=4096)
def target_regions(target: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """ISO codes of the oblasts a target names, and the parts that are not oblasts."""
    codes: list[str] = []
    other: list[str] = []
    for part in filter(None, (p.strip() for p in _SPLIT_TARGETS.split(target))):
        code = region_code(part, bare_kyiv_is_city=True)
        if code is not None and code not in codes:
            codes.append(code)
        elif code is None:
            other.append(part)
    return tuple(codes), tuple(other)


def natural_key(row: Mapping[str, Any]) -> str:
    """What names a row in the data set: its start, weapon model and target."""
    return "|".join(CsvImporter.value(row, name) for name in KEY_COLUMNS).casefold()


class MissileAttacksImporter(AttackBatchImporter):
    label = "missile attacks"
    needs_regions = True
    columns = (
        Column(
            "time_start",
            "when the wave started (Kyiv time unless a zone is given).",
            "2024-02-04 04:00",
            True,
        ),
        Column("model", "the weapon model(s), which give the weapon type.", "Kh-101", True),
        Column(
            "target", 'the regions aimed at, joined with "and" or commas.', "Kyiv and Kharkiv", True
        ),
        Column("launched", "how many were launched.", "12", True),
        Column("destroyed", "how many were intercepted (at most launched).", "10", True),
        Column("time_end", "when the wave ended.", "2024-02-04 07:00"),
        Column("target_main", "the main target, noted.", "energy infrastructure"),
        Column("launch_place", "where they were launched from, noted.", "Tu-95MS over Caspian Sea"),
        Column("carrier", "what carried them, noted.", "Tu-95MS"),
        Column("not_reach_goal", "how many missed without interception, noted.", "1"),
        Column("source", "where the figures come from, noted.", "Air Force of Ukraine"),
    )

    def records(self) -> Iterator[Record]:
        """Each row with the how-many-th it is of the rows sharing its time, model and target.

        The data set often lists one wave several times (say, drones from two launch
        sites); each row is an attack of its own. Counted over the whole file, every
        read of which is in the same order, so a resumed job numbers rows alike.
        """
        seen: dict[str, int] = {}
        for record in super().records():
            key = natural_key(record.data)
            seen[key] = seen.get(key, 0) + 1
            yield Record(record.line, (record.data, occurrence_id(key, seen[key])))

    def attack_row(self, record: Record) -> AttackRow:
        (data, row_id), value = record.data, self.value
        model = value(data, "model")
        if not model:
            raise RowRejected(gettext("The weapon model is empty."))
        started_at, start_has_time = parse_datetime(value(data, "time_start"), "time_start")
        ended_at = None
        if value(data, "time_end"):
            ended_at, _ = parse_datetime(value(data, "time_end"), "time_end")
        launched = parse_int(value(data, "launched"), "launched")
        destroyed = parse_int(value(data, "destroyed"), "destroyed")
        if launched is not None and destroyed is not None and destroyed > launched:
            raise RowRejected(
                gettext(
                    "More intercepted than launched "
                    "(%(destroyed)s destroyed > %(launched)s launched)."
                )
                % {"destroyed": destroyed, "launched": launched}
            )
        target = value(data, "target")
        codes, other = target_regions(target)
        region_ids = frozenset(self.region_by_code(code).pk for code in codes)

        description = [f"Target: {target}." if target else ""]
        if macro := [part for part in other if is_macro_region(part)]:
            description.append(f"Reported area: {', '.join(macro)}.")
        if unplaced := [part for part in other if not is_macro_region(part)]:
            description.append(f"Not matched to a region: {', '.join(unplaced)}.")
        for column in ("target_main", "launch_place", "carrier", "not_reach_goal", "source"):
            if text := value(data, column):
                description.append(f"{column.replace('_', ' ').capitalize()}: {text}.")
        summary = f"{model}: {launched if launched is not None else '?'} launched"
        if target:
            summary += f" at {target}"
        return AttackRow(
            fields={
                "external_source": EXTERNAL_SOURCE,
                "external_id": row_id,
                "started_at": started_at,
                "ended_at": ended_at,
                "time_precision": (
                    Attack.TimePrecision.EXACT if start_has_time else Attack.TimePrecision.DAY
                ),
                "summary": summary[:300],
                "description": " ".join(filter(None, description)),
            },
            region_ids=region_ids,
            weapons=(
                WeaponRow(
                    weapon_type=weapon_type(model),
                    model=model[:100],
                    launched=launched,
                    intercepted=destroyed,
                ),
            ),
        )
