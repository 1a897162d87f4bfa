"""What every importer shares: the Importer class, reading files, parsing values.

An importer turns records of a file into calls of `incidents.services` (or, for
many attacks at once, `incidents.imports.bulk`). It reads the file as a stream,
never whole into memory (UTF-8, a BOM is fine): `count` checks the structure
and counts the records, `records` yields them one at a time; the loop that
feeds them in batches and records the job's progress is `incidents.imports.jobs`.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import IO, Any, ClassVar
from zoneinfo import ZoneInfo

from dateutil import parser as date_parser
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext

from incidents.imports import bulk
from incidents.imports.options import PUBLICATION_STATE, PUBLISHED, ImportOption, clean_options
from incidents.models import Attack, ImportJob, Region, Source
from incidents.services import attacks, publication

KYIV = ZoneInfo("Europe/Kyiv")
# How many rejected rows a job keeps in its report; the count covers all of them.
MAX_REPORTED_ERRORS = 10_000
# Ukraine's extent (WGS84) with a little slack, for the cheap per-row check
# that catches swapped coordinates without a database query.
UKRAINE_LON = (22.0, 40.3)
UKRAINE_LAT = (44.2, 52.5)

CREATED, UPDATED, SKIPPED, REJECTED = "created", "updated", "skipped", "rejected"


class FileUnusable(Exception):
    """The file as a whole cannot be imported; the message says why, for a person."""


class RowRejected(Exception):
    """One record cannot be imported; the message is the reason shown in the report."""


class JobLost(Exception):
    """Another worker took the job over; this run stops without writing more."""


@dataclass(frozen=True)
class Column:
    """One column of a CSV format (or property of a GeoJSON one), declared once on its importer.

    The importer's check of a file's header, the admin's import form, the template
    file and the README's table of columns all read these.
    """

    name: str
    meaning: str
    example: str = ""
    required: bool = False


def with_article(label: str) -> str:
    """A format's label after "a" or "an", by how it is said: "an ACLED", "a GeoJSON"."""
    first = label.split()[0]
    # Read letter by letter (ACLED: "ay-cled"), a capital vowel is said as a vowel too.
    vowel_sound = first[0].lower() in "aeio" or (first.isupper() and first[0] in "AEFHILMNORSX")
    # Words said with a "you" or "w" sound at the start take "a" (a unit, a one-off).
    if first.lower().startswith(("uni", "use", "one", "eu")):
        vowel_sound = False
    elif first[0].lower() == "u" and not first.isupper():
        vowel_sound = True
    return f"{'an' if vowel_sound else 'a'} {label}"


@dataclass(frozen=True)
class Record:
    line: int
    data: Any


@dataclass(frozen=True)
class Outcome:
    line: int
    result: str
    reason: str = ""


# --------------------------------------------------------------------------- value parsing


def validation_reason(exc: ValidationError) -> str:
    """A ValidationError as one line: "field: message; field: message"."""
    if hasattr(exc, "error_dict"):
        parts = []
        for field, errors in exc.error_dict.items():
            messages = " ".join(m for e in errors for m in e.messages)
            parts.append(messages if field == "__all__" else f"{field}: {messages}")
        return "; ".join(parts)
    return " ".join(exc.messages)


def parse_int(value: str, what: str, *, required: bool = False) -> int | None:
    """A whole number, tolerating "12.0" and thousands separators ("1,100")."""
    text = (value or "").strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        if required:
            raise RowRejected(gettext("%(what)s is missing.") % {"what": what})
        return None
    if re.fullmatch(r"\d{1,3}(,\d{3})+", text):
        text = text.replace(",", "")
    try:
        number = float(text)
    except ValueError:
        raise RowRejected(
            gettext("%(what)s %(value)s is not a number.") % {"what": what, "value": repr(value)}
        ) from None
    if not math.isfinite(number) or number != int(number):
        raise RowRejected(
            gettext("%(what)s %(value)s is not a whole number.")
            % {"what": what, "value": repr(value)}
        )
    if number < 0:
        raise RowRejected(
            gettext("%(what)s %(value)s is negative.") % {"what": what, "value": repr(value)}
        )
    return int(number)


def parse_decimal(value: str, what: str) -> Decimal | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise RowRejected(
            gettext("%(what)s %(value)s is not a number.") % {"what": what, "value": repr(value)}
        ) from None
    if not number.is_finite():
        raise RowRejected(
            gettext("%(what)s %(value)s is not a number.") % {"what": what, "value": repr(value)}
        )
    return number.quantize(Decimal("0.01"))


def year_text(value: str) -> str:
    """A year as people write it: "1970.0" (how pandas writes a year) → "1970".

    The Global Power Plant Database weights a plant's year by its units' capacity,
    so "1978.6667" is a plant commissioned in steps around 1979: "about 1979".
    Text that is not a number ("1970s") is kept as it is.
    """
    text = (value or "").strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        return text
    if not number.is_finite():
        return text
    if number == number.to_integral_value():
        return str(int(number))
    return f"about {int(number.to_integral_value(rounding=ROUND_HALF_UP))}"


_DATE_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d %B %Y", "%d.%m.%Y")


def parse_datetime(value: str, what: str) -> tuple[datetime, bool]:
    """An aware datetime and whether the text had a time of day.

    ISO dates ("2024-01-31", "2024-01-31 05:00") are read as such; other
    numeric dates are day first ("31/01/2024"), as in ACLED's and Ukrainian
    files. A time without a zone is Kyiv time.
    """
    text = (value or "").strip()
    if not text:
        raise RowRejected(gettext("%(what)s is missing.") % {"what": what})
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        for fmt in _DATE_FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        try:
            parsed = date_parser.parse(text, dayfirst=True)
        except (ValueError, OverflowError):
            raise RowRejected(
                gettext("%(what)s %(value)s is not a date.") % {"what": what, "value": repr(value)}
            ) from None
    has_time = bool(re.search(r"\d:\d", text))
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=KYIV)
    return parsed, has_time


def occurrence_id(key: str, occurrence: int) -> str:
    """An external id from a row's natural key and, when rows that differ share that key,
    the row's occurrence (1, 2, …) among them.

    The first keeps the id rows had before occurrences were counted, so a data
    set imported then is matched again, not doubled.
    """
    text = key if occurrence == 1 else f"{key}|{occurrence}"
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def kyiv_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=KYIV)


def in_ukraine(lon: float, lat: float) -> bool:
    return UKRAINE_LON[0] <= lon <= UKRAINE_LON[1] and UKRAINE_LAT[0] <= lat <= UKRAINE_LAT[1]


def checked_point(lon: float, lat: float) -> Point:
    """A WGS84 point in Ukraine, or a rejection that says what is wrong with it."""
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise RowRejected(
            gettext(
                "Coordinates out of range (longitude %(lon)s, latitude %(lat)s): "
                "longitude must be within -180…180 and latitude within -90…90."
            )
            % {"lon": lon, "lat": lat}
        )
    if not in_ukraine(lon, lat):
        if in_ukraine(lat, lon):
            raise RowRejected(
                gettext(
                    "Latitude and longitude look swapped: (%(lat)s, %(lon)s) lies outside "
                    "Ukraine, but (%(lon)s, %(lat)s) would lie inside."
                )
                % {"lon": lon, "lat": lat}
            )
        raise RowRejected(
            gettext("The point (longitude %(lon)s, latitude %(lat)s) lies outside Ukraine.")
            % {"lon": lon, "lat": lat}
        )
    return Point(lon, lat, srid=4326)


def point_from_text(lon_text: str, lat_text: str, *, required: bool) -> Point | None:
    lon_text, lat_text = (lon_text or "").strip(), (lat_text or "").strip()
    if not lon_text and not lat_text:
        if required:
            raise RowRejected(gettext("Coordinates are missing."))
        return None
    if not lon_text or not lat_text:
        raise RowRejected(gettext("Only one of latitude and longitude is given."))
    try:
        lon, lat = float(lon_text), float(lat_text)
    except ValueError:
        raise RowRejected(
            gettext("Coordinates (%(lat)s, %(lon)s) are not numbers.")
            % {"lat": repr(lat_text), "lon": repr(lon_text)}
        ) from None
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise RowRejected(gettext("Coordinates are not finite numbers."))
    return checked_point(lon, lat)


# --------------------------------------------------------------------------- reading files


# Bytes read at a time when a file is scanned as a whole.
CHUNK_BYTES = 64 * 1024


def open_binary(job: ImportJob) -> IO[bytes]:
    """A handle of its own on the stored file (several passes may be open at once)."""
    return job.file.storage.open(job.file.name, "rb")


def check_not_empty(job: ImportJob) -> None:
    """A file of nothing but blanks (and perhaps a BOM) is unusable, whatever its format."""
    with open_binary(job) as raw:
        first = True
        while chunk := raw.read(CHUNK_BYTES):
            if first:
                chunk, first = chunk.removeprefix(codecs.BOM_UTF8), False
            if chunk.strip():
                return
    raise FileUnusable(gettext("The file is empty."))


def not_utf8(job: ImportJob) -> FileUnusable | None:
    """Where the file stops being UTF-8, as a message naming the byte and its line."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with open_binary(job) as raw:
        while True:
            chunk = raw.read(CHUNK_BYTES)
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                # exc.object is this chunk after any bytes of a character the last one
                # ended in (never a newline): its newlines before the byte give the line.
                line += exc.object[: exc.start].count(b"\n")
                return FileUnusable(
                    gettext(
                        "The file is not UTF-8 text (byte %(byte)s on line %(line)s cannot be "
                        "read). Save it as UTF-8 (in Excel: “CSV UTF-8”) and upload it again."
                    )
                    % {"byte": f"0x{exc.object[exc.start]:02x}", "line": line}
                )
            if not chunk:
                return None
            line += chunk.count(b"\n")


@contextmanager
def open_text(job: ImportJob) -> Iterator[IO[str]]:
    """The stored file as text, decoded as it is read (UTF-8; a BOM is dropped)."""
    with open_binary(job) as raw:
        try:
            # newline="" leaves line ends to the csv module, which needs them as written.
            yield io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        except UnicodeDecodeError:
            raise (not_utf8(job) or FileUnusable(gettext("The file is not UTF-8 text."))) from None


class Importer:
    """Reads one format; subclasses say how a record becomes service calls."""

    label: ClassVar[str] = "import"
    # The columns (for GeoJSON, the feature properties) the format reads, required first.
    columns: ClassVar[tuple[Column, ...]] = ()
    batch_size: ClassVar[int] = 500
    needs_regions: ClassVar[bool] = False
    # The options the format takes: the admin form, the API and the command follow these.
    accepts: ClassVar[tuple[ImportOption, ...]] = ()
    # The models with a publication state whose records the format writes; such a format
    # takes the publication_state option (options.PUBLICATION_STATE).
    publishes: ClassVar[tuple[type[models.Model], ...]] = ()

    def __init__(self, *, job: ImportJob) -> None:
        self.job = job
        try:
            self.options = clean_options(self.accepts, job.options or {}, label=self.label)
        except ValidationError as exc:
            raise FileUnusable(" ".join(exc.messages)) from None
        self.user = job.created_by
        self._regions: dict[str, Region] | None = None
        # The job's state for what it writes: published means each batch's created and
        # changed records are published with it; rows it leaves unchanged keep their state.
        self.publishing = self.options.get("publication_state") == PUBLISHED
        self._written: dict[type[models.Model], set[int]] = {}

    # Subclasses implement these three (or `handle_batch` for bulk writes).
    def count(self) -> int:
        """Read the file once as a stream: check its structure, return its number of records."""
        raise NotImplementedError

    def records(self) -> Iterator[Record]:
        """Read the file again as a stream, a record at a time."""
        raise NotImplementedError

    def import_record(self, record: Record) -> str:
        """Write one record through the services; return CREATED, UPDATED or SKIPPED."""
        raise NotImplementedError

    def prepare(self) -> None:
        if self.needs_regions and not Region.objects.exists():
            raise FileUnusable(
                gettext(
                    "No regions are loaded, so rows cannot be matched to regions. "
                    "Load them first with `manage.py load_regions`."
                )
            )
        # Checked when the job was created, and again here: a role may change meanwhile.
        if self.publishing and (refusal := publication_refusal(self.publishes, self.user)):
            raise FileUnusable(refusal)

    def wrote(self, model: type[models.Model], ids: Iterable[int]) -> None:
        """Note records the batch created or changed, to publish with it if the job says so."""
        if self.publishing:
            self._written.setdefault(model, set()).update(ids)

    def publish_written(self) -> None:
        """Publish what the batch wrote (the job's transaction commits it with the batch)."""
        written, self._written = self._written, {}
        for model, ids in written.items():
            publication.publish_imported(model, sorted(ids), user=self.user)

    def handle_batch(self, records: Sequence[Record]) -> list[Outcome]:
        """Row by row, each in a savepoint, so one bad row never spoils the batch."""
        outcomes = []
        for record in records:
            try:
                with transaction.atomic():
                    result = self.import_record(record)
            except RowRejected as exc:
                outcomes.append(Outcome(record.line, REJECTED, str(exc)))
            except ValidationError as exc:
                outcomes.append(Outcome(record.line, REJECTED, validation_reason(exc)))
            else:
                outcomes.append(Outcome(record.line, result))
        return outcomes

    # Helpers for subclasses.
    def region_by_code(self, code: str) -> Region:
        if self._regions is None:
            self._regions = {region.code: region for region in Region.objects.all()}
        region = self._regions.get(code)
        if region is None:
            raise RowRejected(gettext("Region %(code)s is not in the database.") % {"code": code})
        return region


def publication_refusal(models_written: Iterable[type[models.Model]], user) -> str | None:
    """Why `user` may not import straight to published, or None (a command has no user)."""
    if all(publication.may_publish(user, model) for model in models_written):
        return None
    return (
        "publication_state: only reviewers (who may publish) can import records as "
        "published; import them as draft and submit them for review."
    )


def malformed(line: int, exc: csv.Error) -> FileUnusable:
    return FileUnusable(
        gettext("Line %(line)s: the CSV is malformed (%(error)s).") % {"line": line, "error": exc}
    )


class CsvImporter(Importer):
    # The names of the columns a file must have, from `columns` (set for each subclass).
    required_columns: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.required_columns = tuple(column.name for column in cls.columns if column.required)

    def count(self) -> int:
        with open_text(self.job) as text:
            rows = csv.reader(text)
            self.header(rows)
            try:
                return sum(1 for row in rows if row)
            except csv.Error as exc:
                raise malformed(rows.line_num, exc) from None

    def records(self) -> Iterator[Record]:
        with open_text(self.job) as text:
            reader = csv.DictReader(text)
            reader.fieldnames = self.header(reader.reader)
            # A record is reported at the line it starts on (quoted fields may span lines).
            previous_end = reader.reader.line_num
            try:
                for row in reader:
                    yield Record(previous_end + 1, row)
                    previous_end = reader.line_num
            except csv.Error as exc:
                raise malformed(reader.line_num, exc) from None

    def header(self, rows: Iterator[list[str]]) -> list[str]:
        """The column names, lower case; a file without the required ones is unusable."""
        try:
            header = next(rows, None)
        except csv.Error as exc:
            raise FileUnusable(
                gettext("The file is not readable as CSV: %(error)s.") % {"error": exc}
            ) from None
        if not header:
            raise FileUnusable(gettext("The file is empty."))
        names = [(name or "").strip().lower() for name in header]
        missing = [name for name in self.required_columns if name not in names]
        if missing:
            raise FileUnusable(
                f"This is not {with_article(self.label)} file: the column(s) {', '.join(missing)} "
                f"are missing. The file has: {', '.join(filter(None, names))}."
            )
        return names

    @staticmethod
    def value(row: Mapping[str, Any], column: str) -> str:
        value = row.get(column)
        return value.strip() if isinstance(value, str) else ""


class AttackBatchImporter(CsvImporter):
    """Reads attacks a batch at a time and writes them with `bulk.attacks_upsert_batch`.

    Subclasses turn a record into an `AttackRow` (or None to skip it) in `attack_row`.
    """

    batch_size = 1000
    publishes = (Attack,)
    accepts = (PUBLICATION_STATE,)

    def attack_row(self, record: Record) -> bulk.AttackRow | None:
        raise NotImplementedError

    def handle_batch(self, records: Sequence[Record]) -> list[Outcome]:
        outcomes: dict[int, Outcome] = {}
        rows: list[tuple[int, bulk.AttackRow]] = []
        for index, record in enumerate(records):
            try:
                row = self.attack_row(record)
            except RowRejected as exc:
                outcomes[index] = Outcome(record.line, REJECTED, str(exc))
                continue
            if row is None:
                outcomes[index] = Outcome(record.line, SKIPPED)
            else:
                rows.append((index, row))
        try:
            with transaction.atomic():
                results = bulk.attacks_upsert_batch(user=self.user, rows=[row for _, row in rows])
        except IntegrityError:
            # A row broke a database constraint: find it by writing one at a time.
            results = [self._upsert_one(row) for _, row in rows]
        for (index, _), result in zip(rows, results, strict=True):
            line = records[index].line
            if isinstance(result, ValidationError):
                outcomes[index] = Outcome(line, REJECTED, validation_reason(result))
            else:
                outcomes[index] = Outcome(line, result)
        if self.publishing:
            written = [
                row.key
                for (_, row), result in zip(rows, results, strict=True)
                if result in (CREATED, UPDATED)
            ]
            self.wrote(Attack, bulk.attack_ids(written))
        return [outcomes[index] for index in range(len(records))]

    def _upsert_one(self, row: bulk.AttackRow) -> str | ValidationError:
        """One row through the services, which name the rule it breaks."""
        fields = dict(row.fields)
        key = {name: fields.pop(name) for name in ("external_source", "external_id")}
        try:
            with transaction.atomic():
                attack, result = attacks.attack_upsert(
                    user=self.user,
                    key=key,
                    values=fields,
                    regions=Region.objects.filter(pk__in=row.region_ids),
                    sources=Source.objects.filter(pk__in=row.source_ids),
                )
                for weapon in row.weapons:
                    _, weapon_result = attacks.weapon_use_upsert(
                        user=self.user,
                        key={
                            "attack": attack,
                            "weapon_type": weapon.weapon_type,
                            "model": weapon.model,
                        },
                        values={"launched": weapon.launched, "intercepted": weapon.intercepted},
                    )
                    if result == SKIPPED and weapon_result != SKIPPED:
                        result = UPDATED
        except ValidationError as exc:
            return exc
        return result
