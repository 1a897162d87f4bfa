/* Reading a point typed or pasted as text, for the live message beside the admin's maps.
 *
 * Mirrors incidents/coordinates.py (the server parses again when the form is saved):
 * keep the two in step. parse(text) returns {latitude, longitude, swapped, message}
 * or {error}.
 */
(function () {
  "use strict";

  // Marks a message for `makemessages -d djangojs` (like Django's own gettext_noop);
  // say() translates it when it is shown, with the JavaScript catalogue the page loads.
  const gettext_noop = (message) => message;

  // Every user-visible string of this file, in one place for translation.
  const STRINGS = {
    readAs: gettext_noop("Read as latitude %(lat)s, longitude %(lon)s."),
    swapped: gettext_noop("The numbers were swapped: as latitude, longitude they lie outside Ukraine."),
    empty: gettext_noop("Type the latitude and longitude, e.g. 50.135, 30.738."),
    notPart: gettext_noop("“%(text)s” is not part of a coordinate."),
    twoLetters: gettext_noop("Two hemisphere letters in a row: %(a)s %(b)s."),
    twoLettersOne: gettext_noop("Two hemisphere letters for one coordinate: %(a)s and %(b)s."),
    noDegrees: gettext_noop("%(value)s%(mark)s has no degrees before it."),
    letterAlone: gettext_noop("The letter %(letter)s is not followed by a number."),
    sameUnit: gettext_noop("A coordinate has two values for the same unit."),
    minutes: gettext_noop("Minutes must be below 60, not %(n)s."),
    seconds: gettext_noop("Seconds must be below 60, not %(n)s."),
    wholeDegrees: gettext_noop("Degrees with minutes or seconds must be a whole number."),
    minusAndLetter: gettext_noop("A minus sign and the letter %(letter)s together are ambiguous."),
    count: gettext_noop("Expected two coordinates, latitude and longitude; found %(n)s."),
    bothAxes: gettext_noop("Both coordinates are marked as %(axis)s; one must be N/S, the other E/W."),
    latitudeAxis: gettext_noop("latitude (N/S)"),
    longitudeAxis: gettext_noop("longitude (E/W)"),
    latitudeRange: gettext_noop("Latitude %(lat)s is outside -90…90."),
    longitudeRange: gettext_noop("Longitude %(lon)s is outside -180…180."),
  };
  const UKRAINE = { lat: [44.0, 52.5], lon: [22.0, 40.5] };
  const MARKS = { "′": "'", "’": "'", "‘": "'", "´": "'", "`": "'", "″": '"', "”": '"', "“": '"', "º": "°", "˚": "°" };
  const TOKEN = /(?<![A-Z])([NSEW])(?![A-Z])|([-+−]?\d+(?:\.\d+)?)\s*(°|''|'|")?|([,;/])/g;

  class CoordinateError extends Error {}

  function say(template, values) {
    const text = window.gettext ? window.gettext(template) : template;
    return text.replace(/%\((\w+)\)s/g, (_, name) => String(values[name]));
  }
  function fail(template, values = {}) {
    throw new CoordinateError(say(template, values));
  }

  function shown(value) {
    return value.toFixed(6).replace(/0+$/, "").replace(/\.$/, "");
  }

  function inUkraine(lat, lon) {
    return lat >= UKRAINE.lat[0] && lat <= UKRAINE.lat[1] && lon >= UKRAINE.lon[0] && lon <= UKRAINE.lon[1];
  }

  /* `typed` is the text as typed (same length), for the error message. */
  function tokens(text, typed) {
    const found = [];
    let end = 0;
    for (const match of text.matchAll(TOKEN)) {
      const between = typed.slice(end, match.index).trim();
      if (between) fail(STRINGS.notPart, { text: between });
      const [, letter, number, mark, separator] = match;
      if (letter) found.push(["letter", letter, ""]);
      else if (number) found.push(["number", number.replace("−", "-"), mark || ""]);
      else found.push(["separator", separator, ""]);
      end = match.index + match[0].length;
    }
    const rest = typed.slice(end).trim();
    if (rest) fail(STRINGS.notPart, { text: rest });
    return found;
  }

  function parts(found) {
    const lettersFirst = found.length > 0 && found[0][0] === "letter";
    const result = [];
    let current = null;
    let pending = "";
    for (let [kind, value, mark] of found) {
      if (kind === "separator") {
        current = null;
      } else if (kind === "letter") {
        if (lettersFirst || current === null) {
          if (pending) fail(STRINGS.twoLetters, { a: pending, b: value });
          pending = value;
        } else if (current.letter) {
          fail(STRINGS.twoLettersOne, { a: current.letter, b: value });
        } else {
          current.letter = value;
          current = null;
        }
      } else {
        mark = mark === "''" ? '"' : mark;
        if (mark === "'" || mark === '"') {
          if (current === null || !current.numbers.length) fail(STRINGS.noDegrees, { value, mark });
          current.numbers.push([Math.abs(parseFloat(value)), mark]);
          continue;
        }
        current = { numbers: [], letter: pending, negative: value.startsWith("-") };
        pending = "";
        current.numbers.push([Math.abs(parseFloat(value)), mark || "°"]);
        result.push(current);
      }
    }
    if (pending) fail(STRINGS.letterAlone, { letter: pending });
    return result;
  }

  function valueOf(part) {
    let degrees = 0;
    let minutes = 0;
    let seconds = 0;
    const seen = new Set();
    for (const [number, mark] of part.numbers) {
      if (seen.has(mark)) fail(STRINGS.sameUnit);
      seen.add(mark);
      if (mark === "°") degrees = number;
      else if (mark === "'") minutes = number;
      else seconds = number;
    }
    if (minutes >= 60) fail(STRINGS.minutes, { n: shown(minutes) });
    if (seconds >= 60) fail(STRINGS.seconds, { n: shown(seconds) });
    if ((minutes || seconds) && degrees !== Math.trunc(degrees)) fail(STRINGS.wholeDegrees);
    let value = degrees + minutes / 60 + seconds / 3600;
    if (part.negative && part.letter) fail(STRINGS.minusAndLetter, { letter: part.letter });
    if (part.negative || part.letter === "S" || part.letter === "W") value = -value;
    return value;
  }

  function axisOf(part) {
    if (part.letter === "N" || part.letter === "S") return "lat";
    return part.letter ? "lon" : "";
  }

  function read(raw) {
    let typed = (raw || "").replace(/[′’‘´`″”“º˚]/g, (c) => MARKS[c]).trim();
    let text = typed.toUpperCase();
    if (text.length !== typed.length) typed = text;
    if (!text) fail(STRINGS.empty);
    if (!text.includes(".") && (text.match(/\d,\d/g) || []).length === 2) {
      text = typed = text.replace(/(\d),(\d)/g, "$1.$2");
    }
    const found = parts(tokens(text, typed));
    if (found.length !== 2) fail(STRINGS.count, { n: found.length });
    const [first, second] = found;
    const a = valueOf(first);
    const b = valueOf(second);
    let latitude = a;
    let longitude = b;
    let swapped = false;
    if (first.letter || second.letter) {
      const firstAxis = axisOf(first);
      const secondAxis = axisOf(second);
      if (firstAxis && firstAxis === secondAxis) {
        fail(STRINGS.bothAxes, { axis: say(firstAxis === "lat" ? STRINGS.latitudeAxis : STRINGS.longitudeAxis, {}) });
      }
      if (!(firstAxis === "lat" || secondAxis === "lon")) [latitude, longitude] = [b, a];
    } else if (!inUkraine(a, b) && inUkraine(b, a)) {
      [latitude, longitude, swapped] = [b, a, true];
    }
    if (latitude < -90 || latitude > 90) fail(STRINGS.latitudeRange, { lat: shown(latitude) });
    if (longitude < -180 || longitude > 180) fail(STRINGS.longitudeRange, { lon: shown(longitude) });
    let message = say(STRINGS.readAs, { lat: shown(latitude), lon: shown(longitude) });
    if (swapped) message += ` ${say(STRINGS.swapped, {})}`;
    return { latitude, longitude, swapped, message };
  }

  function parse(text) {
    try {
      return read(text);
    } catch (error) {
      if (error instanceof CoordinateError) return { error: error.message };
      throw error;
    }
  }

  window.trackerCoordinates = { parse, shown };
})();
