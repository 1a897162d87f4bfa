"""Reading a point typed or pasted as text: the forms of coordinates reports give.

Accepted: two decimal numbers (`50.135, 30.738`), hemisphere letters before or
after each number (`50.135 N 30.738 E`, `N 50.135 E 30.738`, `30.738 E, 50.135 N`),
and degrees, minutes, seconds (`50°08'06"N 30°44'17"E`, with typographic primes too).
Letters say which number is the latitude; two bare numbers are taken as
latitude, longitude, unless only the other order lies in Ukraine.

static/incidents/coordinates.js mirrors this parser for the live message in the
browser; keep the two in step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

# Ukraine's extent, with a margin: where two bare numbers are expected to fall.
UKRAINE_LATITUDES = (44.0, 52.5)
UKRAINE_LONGITUDES = (22.0, 40.5)

# Typographic primes and quotes as people paste them, read as the ASCII marks.
_MARKS = str.maketrans(
    {
        "′": "'",
        "’": "'",
        "‘": "'",
        "´": "'",
        "`": "'",
        "″": '"',
        "”": '"',
        "“": '"',
        "º": "°",
        "˚": "°",
    }
)
_TOKEN = re.compile(r"""(?<![A-Z])([NSEW])(?![A-Z])|([-+−]?\d+(?:\.\d+)?)\s*(°|''|'|")?|([,;/])""")


class CoordinateError(ValueError):
    """Text that is not a point; the message says what is wrong."""


@dataclass(frozen=True)
class Reading:
    latitude: float
    longitude: float
    swapped: bool = False

    @property
    def message(self) -> str:
        text = _("Read as latitude %(lat)s, longitude %(lon)s.") % {
            "lat": shown(self.latitude),
            "lon": shown(self.longitude),
        }
        if self.swapped:
            text += " " + _(
                "The numbers were swapped: as latitude, longitude they lie outside Ukraine."
            )
        return text


@dataclass
class _Part:
    numbers: list[tuple[float, str]] = field(default_factory=list)
    letter: str = ""
    negative: bool = False


def shown(value: float) -> str:
    """A coordinate to six decimals (about 0.1 m), without trailing zeros."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _in_ukraine(latitude: float, longitude: float) -> bool:
    return (
        UKRAINE_LATITUDES[0] <= latitude <= UKRAINE_LATITUDES[1]
        and UKRAINE_LONGITUDES[0] <= longitude <= UKRAINE_LONGITUDES[1]
    )


def _tokens(text: str, shown_text: str) -> list[tuple[str, str, str]]:
    """(kind, value, mark) tokens; anything else in the text is an error naming it.

    `shown_text` is the text as typed (same length), for the error message.
    """
    tokens, end = [], 0
    for match in _TOKEN.finditer(text):
        between = shown_text[end : match.start()].strip()
        if between:
            raise CoordinateError(_("“%(text)s” is not part of a coordinate.") % {"text": between})
        letter, number, mark, separator = match.groups()
        if letter:
            tokens.append(("letter", letter, ""))
        elif number:
            tokens.append(("number", number.replace("−", "-"), mark or ""))
        else:
            tokens.append(("separator", separator, ""))
        end = match.end()
    rest = shown_text[end:].strip()
    if rest:
        raise CoordinateError(_("“%(text)s” is not part of a coordinate.") % {"text": rest})
    return tokens


def _parts(tokens: list[tuple[str, str, str]]) -> list[_Part]:
    """Group the tokens into coordinates: a degree value, its minutes and seconds, a letter."""
    letters_first = bool(tokens) and tokens[0][0] == "letter"
    parts: list[_Part] = []
    current: _Part | None = None
    pending_letter = ""
    for kind, value, mark in tokens:
        if kind == "separator":
            current = None
        elif kind == "letter":
            if letters_first or current is None:
                if pending_letter:
                    raise CoordinateError(
                        _("Two hemisphere letters in a row: %(a)s %(b)s.")
                        % {"a": pending_letter, "b": value}
                    )
                pending_letter = value
            elif current.letter:
                raise CoordinateError(
                    _("Two hemisphere letters for one coordinate: %(a)s and %(b)s.")
                    % {"a": current.letter, "b": value}
                )
            else:
                current.letter = value
                current = None
        else:
            mark = '"' if mark == "''" else mark
            if mark in ("'", '"'):
                if current is None or not current.numbers:
                    raise CoordinateError(
                        _("%(value)s%(mark)s has no degrees before it.")
                        % {"value": value, "mark": mark}
                    )
                current.numbers.append((float(value), mark))
                continue
            current = _Part(letter=pending_letter)
            pending_letter = ""
            current.negative = value.startswith("-")
            current.numbers.append((abs(float(value)), mark or "°"))
            parts.append(current)
    if pending_letter:
        raise CoordinateError(
            _("The letter %(letter)s is not followed by a number.") % {"letter": pending_letter}
        )
    return parts


def _value(part: _Part) -> float:
    degrees, minutes, seconds = 0.0, 0.0, 0.0
    seen: set[str] = set()
    for number, mark in part.numbers:
        if mark in seen:
            raise CoordinateError(_("A coordinate has two values for the same unit."))
        seen.add(mark)
        if mark == "°":
            degrees = number
        elif mark == "'":
            minutes = number
        else:
            seconds = number
    if minutes >= 60:
        raise CoordinateError(_("Minutes must be below 60, not %(n)s.") % {"n": shown(minutes)})
    if seconds >= 60:
        raise CoordinateError(_("Seconds must be below 60, not %(n)s.") % {"n": shown(seconds)})
    if (minutes or seconds) and degrees != int(degrees):
        raise CoordinateError(_("Degrees with minutes or seconds must be a whole number."))
    value = degrees + minutes / 60 + seconds / 3600
    if part.negative and part.letter:
        raise CoordinateError(
            _("A minus sign and the letter %(letter)s together are ambiguous.")
            % {"letter": part.letter}
        )
    if part.negative or part.letter in ("S", "W"):
        value = -value
    return value


def parse_coordinates(text: str) -> Reading:
    """The point `text` names, or CoordinateError saying what is wrong with it."""
    typed = (text or "").translate(_MARKS).strip()
    text = typed.upper()
    if len(text) != len(typed):
        typed = text
    if not text:
        raise CoordinateError(_("Type the latitude and longitude, e.g. 50.135, 30.738."))
    # A decimal comma in each of two numbers: "50,135 30,738".
    if "." not in text and len(re.findall(r"\d,\d", text)) == 2:
        text = typed = re.sub(r"(\d),(\d)", r"\1.\2", text)
    parts = _parts(_tokens(text, typed))
    if len(parts) != 2:
        raise CoordinateError(
            _("Expected two coordinates, latitude and longitude; found %(n)d.") % {"n": len(parts)}
        )
    first, second = parts
    a, b = _value(first), _value(second)
    swapped = False
    if first.letter or second.letter:
        first_axis = "lat" if first.letter in ("N", "S") else "lon" if first.letter else ""
        second_axis = "lat" if second.letter in ("N", "S") else "lon" if second.letter else ""
        if first_axis and first_axis == second_axis:
            raise CoordinateError(
                _("Both coordinates are marked as %(axis)s; one must be N/S, the other E/W.")
                % {"axis": _("latitude (N/S)") if first_axis == "lat" else _("longitude (E/W)")}
            )
        latitude_first = first_axis == "lat" or second_axis == "lon"
        latitude, longitude = (a, b) if latitude_first else (b, a)
    else:
        latitude, longitude = a, b
        if not _in_ukraine(a, b) and _in_ukraine(b, a):
            latitude, longitude, swapped = b, a, True
    if not -90 <= latitude <= 90:
        raise CoordinateError(_("Latitude %(lat)s is outside -90…90.") % {"lat": shown(latitude)})
    if not -180 <= longitude <= 180:
        raise CoordinateError(
            _("Longitude %(lon)s is outside -180…180.") % {"lon": shown(longitude)}
        )
    return Reading(latitude=latitude, longitude=longitude, swapped=swapped)
