"""Ukraine's first-level units as data sets spell them, mapped to ISO 3166-2 codes.

Files name regions in many ways: English or Ukrainian, official transliteration
or an older Russian-based one ("Kiev", "Odessa", "Nikolaev"), with or without
"Oblast". Every importer resolves names here, so a new spelling is added once.
"""

from __future__ import annotations

import re
import unicodedata

# Keys are normalised (see `normalise`): lower case, no apostrophes, hyphens as
# spaces, and without a trailing "oblast"/"region"/"область".
_ALIASES: dict[str, tuple[str, ...]] = {
    "UA-05": ("vinnytsia", "vinnytsya", "vinnitsa", "vinnytska", "вінницька", "вінниця"),
    "UA-07": ("volyn", "volhynia", "volynska", "волинська", "волинь"),
    "UA-09": ("luhansk", "lugansk", "luhanska", "луганська", "луганськ"),
    "UA-12": (
        "dnipropetrovsk",
        "dnipropetrovska",
        "dnepropetrovsk",
        "dnipro",
        "дніпропетровська",
        "дніпро",
    ),
    "UA-14": ("donetsk", "donetska", "донецька", "донецьк"),
    "UA-18": ("zhytomyr", "zhitomir", "zhytomyrska", "житомирська", "житомир"),
    "UA-21": (
        "zakarpattia",
        "zakarpattya",
        "zakarpatska",
        "transcarpathia",
        "transcarpathian",
        "закарпатська",
    ),
    "UA-23": (
        "zaporizhzhia",
        "zaporizhia",
        "zaporizhzhya",
        "zaporozhye",
        "zaporizka",
        "запорізька",
        "запоріжжя",
    ),
    "UA-26": ("ivano frankivsk", "ivano frankivska", "івано франківська", "івано франківськ"),
    "UA-30": ("kyiv city", "kiev city", "city of kyiv", "city of kiev", "м київ", "місто київ"),
    "UA-32": ("kyivska", "київська"),
    "UA-35": (
        "kirovohrad",
        "kirovograd",
        "kirovohradska",
        "kropyvnytskyi",
        "кіровоградська",
        "кропивницький",
    ),
    "UA-40": ("sevastopol", "севастополь"),
    "UA-43": (
        "crimea",
        "autonomous republic of crimea",
        "republic of crimea",
        "krym",
        "автономна республіка крим",
        "крим",
    ),
    "UA-46": ("lviv", "lvov", "lvivska", "львівська", "львів"),
    "UA-48": ("mykolaiv", "mykolayiv", "nikolaev", "nikolayev", "mykolaivska", "миколаївська"),
    "UA-51": ("odesa", "odessa", "odeska", "одеська", "одеса"),
    "UA-53": ("poltava", "poltavska", "полтавська", "полтава"),
    "UA-56": ("rivne", "rovno", "rivnenska", "рівненська", "рівне"),
    "UA-59": ("sumy", "sumska", "сумська", "суми"),
    "UA-61": ("ternopil", "ternopol", "ternopilska", "тернопільська", "тернопіль"),
    "UA-63": ("kharkiv", "kharkov", "kharkivska", "харківська", "харків"),
    "UA-65": ("kherson", "khersonska", "херсонська", "херсон"),
    "UA-68": (
        "khmelnytskyi",
        "khmelnytskyy",
        "khmelnytsky",
        "khmelnitskiy",
        "khmelnitsky",
        "khmelnytska",
        "хмельницька",
        "хмельницький",
    ),
    "UA-71": ("cherkasy", "cherkassy", "cherkaska", "черкаська", "черкаси"),
    "UA-74": ("chernihiv", "chernigov", "chernihivska", "чернігівська", "чернігів"),
    "UA-77": ("chernivtsi", "chernovtsy", "chernivetska", "чернівецька", "чернівці"),
}

# A bare "Kyiv" is the oblast in ACLED's admin1 column but the city in most
# news-based files; callers say which they mean.
_BARE_KYIV = ("kyiv", "kiev", "київ")

# Parts of the country, not regions: kept in descriptions, never linked.
MACRO_REGIONS = frozenset(
    {
        "ukraine",
        "all of ukraine",
        "north",
        "south",
        "east",
        "west",
        "centre",
        "center",
        "central",
        "northern",
        "southern",
        "eastern",
        "western",
        "north east",
        "north west",
        "south east",
        "south west",
        "northeast",
        "northwest",
        "southeast",
        "southwest",
        "frontline",
        "front line",
    }
)

_SUFFIX = re.compile(r"\s+(oblast|obl|region|province|область|обл)$")
_APOSTROPHES = re.compile(r"['’ʼ`ʹ]")

_BY_NAME: dict[str, str] = {alias: code for code, aliases in _ALIASES.items() for alias in aliases}
ISO_CODES = frozenset(_ALIASES)


def _clean(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).casefold().strip()
    text = _APOSTROPHES.sub("", text)
    text = re.sub(r"[-–—_.,]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def normalise(name: str) -> str:
    """Lower case, without apostrophes, punctuation or a trailing "oblast"."""
    return _SUFFIX.sub("", _clean(name))


def region_code(name: str, *, bare_kyiv_is_city: bool) -> str | None:
    """The ISO 3166-2 code of a region name or code, or None when it is not one."""
    if not name or not name.strip():
        return None
    candidate = name.strip().upper()
    if candidate in ISO_CODES:
        return candidate
    cleaned = _clean(name)
    key = _SUFFIX.sub("", cleaned)
    if key in _BY_NAME:
        return _BY_NAME[key]
    if key in _BARE_KYIV:
        # "Kyiv Oblast" names the oblast whatever a bare "Kyiv" means in the file.
        return "UA-30" if bare_kyiv_is_city and key == cleaned else "UA-32"
    return None


def is_macro_region(name: str) -> bool:
    return normalise(name) in MACRO_REGIONS
