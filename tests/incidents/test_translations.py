"""Every user-visible string is marked for translation, and the Ukrainian catalogues are
complete: the checks that keep the interface bilingual as the code changes."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.management import call_command
from django.template.base import Lexer, TokenType
from django.test import override_settings

REPO = Path(__file__).resolve().parent.parent.parent

# The project's own templates: templates/ and each of our apps' templates/ (no third party).
TEMPLATE_DIRS = [
    REPO / "templates",
    *(REPO / app / "templates" for app in ("incidents", "alerts", "preferences")),
]
# Our scripts (static/vendor holds third-party libraries).
SCRIPT_DIR = REPO / "static" / "incidents"
# What makemessages reads, as in the Makefile's I18N_IGNORE and I18N_EXTENSIONS.
MAKEMESSAGES_IGNORE = [".venv", "staticfiles", "static/vendor", "node_modules", "tests", "media"]
MAKEMESSAGES_IGNORE += ["README.md"]
MAKEMESSAGES_EXTENSIONS = {"django": ["html", "txt", "py", "md"], "djangojs": ["js"]}
# What the extraction's copy of the project leaves out (names at any depth).
COPY_IGNORE = [".git", ".venv", ".make", "locale", "staticfiles", "vendor", "node_modules"]
COPY_IGNORE += ["media", "tests", "__pycache__", "*.mo", ".pytest_cache", ".ruff_cache"]

# Text that stays as it is in every language: names, commands, symbols.
ALLOWED_TEXT = ["API", "manage.py axes_reset_ip"]
# Attributes whose values people read (or hear, with a screen reader).
VISIBLE_ATTRIBUTES = {"title", "alt", "aria-label", "placeholder", "label"}

# Two letters in a row (any alphabet): a word someone reads.
WORD = re.compile(r"[^\W\d_]{2,}")
PLACEHOLDER = "\x00"


def _template_skeleton(source: str) -> str:
    """The template's own text with every {{ variable }} and translated block replaced by a
    placeholder and every other tag dropped; comments and {% comment %} blocks removed."""
    out: list[str] = []
    skip_until: str | None = None
    for token in Lexer(source).tokenize():
        if skip_until:
            if token.token_type == TokenType.BLOCK and token.contents.split()[0] == skip_until:
                skip_until = None
            continue
        if token.token_type == TokenType.TEXT:
            out.append(token.contents)
        elif token.token_type == TokenType.VAR:
            out.append(PLACEHOLDER)
        elif token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0]
            if name in ("translate", "trans"):
                out.append(PLACEHOLDER)
            elif name in ("blocktranslate", "blocktrans"):
                out.append(PLACEHOLDER)
                skip_until = "end" + name
            elif name == "comment":
                skip_until = "endcomment"
            elif token.contents.split()[1:2] == ["body_class"]:
                # {% block body_class %}: a CSS class for <body class="…">, not text.
                skip_until = "endblock"
    return "".join(out)


class _Untranslated(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._raw = 0

    def _check(self, text: str) -> None:
        for allowed in ALLOWED_TEXT:
            text = text.replace(allowed, "")
        if WORD.search(text.replace(PLACEHOLDER, " ")):
            self.found.append(" ".join(text.replace(PLACEHOLDER, "…").split()))

    def handle_starttag(self, tag, attrs) -> None:
        if tag in ("script", "style"):
            self._raw += 1
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES and value:
                self._check(value)

    def handle_endtag(self, tag) -> None:
        if tag in ("script", "style"):
            self._raw = max(0, self._raw - 1)

    def handle_data(self, data) -> None:
        if not self._raw:
            self._check(data)


def untranslated_template_text(source: str) -> list[str]:
    """The pieces of a template's text (and of its visible attributes) that reach the reader
    without going through {% translate %} or {% blocktranslate %}."""
    parser = _Untranslated()
    parser.feed(_template_skeleton(source))
    parser.close()
    return parser.found


def project_templates() -> list[Path]:
    return sorted(
        path
        for folder in TEMPLATE_DIRS
        if folder.is_dir()
        for path in folder.rglob("*")
        if path.suffix in (".html", ".txt")
    )


def test_the_template_check_flags_a_bare_sentence():
    assert untranslated_template_text("<p>Damage map</p>") == ["Damage map"]
    assert untranslated_template_text('<img alt="A heating plant" src="x.png">') == [
        "A heating plant"
    ]
    assert untranslated_template_text("{% load i18n %}<h1>Attacks {{ n }}</h1>") == ["Attacks …"]
    # A plain-text e-mail template is read the same way.
    assert untranslated_template_text("Rule: {{ rule.name }}\n") == ["Rule: …"]


def test_the_template_check_lets_translated_and_machine_text_through():
    source = (
        "{% load i18n %}<p>{% translate 'Damage map' %}</p>"
        "<p title=\"{% translate 'Legend' %}\">{{ value }} · – ›</p>"
        "{% blocktranslate count n=3 %}{{ n }} attack{% plural %}{{ n }} attacks"
        "{% endblocktranslate %}"
        "{# a note for developers #}{% comment %}Also for developers.{% endcomment %}"
        '<a href="/api/docs/">API</a><div class="two-col" data-url="/x/"></div>'
        "<script>const words = 'inside a script';</script>"
    )
    assert untranslated_template_text(source) == []


@pytest.mark.parametrize("path", project_templates(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_template_marks_its_text_for_translation(path):
    assert untranslated_template_text(path.read_text(encoding="utf-8")) == []


# --------------------------------------------------------------------------- scripts

_STRING = r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|`(?:[^`\\]|\\.)*`'
_TRANSLATED_CALL = re.compile(
    r"\b(?:gettext|ngettext|pgettext|interpolate)\(\s*(?:"
    + _STRING
    + r")(?:\s*,\s*(?:"
    + _STRING
    + r"))*"
)
_COMMENT = re.compile(r"/\*.*?\*/|(?<![:\"'\\])//[^\n]*", re.S)


def _literals_with_words(expression: str) -> list[str]:
    """String literals in a piece of script whose own text (outside ${…}) has words."""
    found = []
    for match in re.finditer(_STRING, expression):
        literal = match.group(0)
        text = re.sub(r"\$\{[^}]*\}", " ", literal[1:-1])
        if WORD.search(text):
            found.append(literal)
    return found


def _call_arguments(source: str, start: int) -> list[str]:
    """The top-level arguments of the call whose "(" is at `start`."""
    depth, args, current, i = 0, [], [], start
    while i < len(source):
        char = source[i]
        string = re.match(_STRING, source[i:])
        if string:
            current.append(string.group(0))
            i += len(string.group(0))
            continue
        if char in "([{":
            depth += 1
            if depth == 1:
                i += 1
                continue
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                args.append("".join(current))
                return args
        elif char == "," and depth == 1:
            args.append("".join(current))
            current = []
            i += 1
            continue
        current.append(char)
        i += 1
    return args


def _without_calls(expression: str) -> str:
    """`expression` with the arguments of every call in it left out: el("br") inside a
    child is checked as a call of its own, and gettext(…) has been checked already."""
    out, i = [], 0
    while i < len(expression):
        string = re.match(_STRING, expression[i:])
        if string:
            out.append(string.group(0))
            i += len(string.group(0))
            continue
        call = re.match(r"[\w$.]+\(", expression[i:])
        if call:
            start = i + len(call.group(0)) - 1
            depth, j = 0, start
            while j < len(expression):
                inner = re.match(_STRING, expression[j:])
                if inner:
                    j += len(inner.group(0))
                    continue
                depth += {"(": 1, ")": -1}.get(expression[j], 0)
                j += 1
                if depth == 0:
                    break
            out.append("call()")
            i = j
            continue
        out.append(expression[i])
        i += 1
    return "".join(out)


def untranslated_script_text(source: str, *, words_module: bool = False) -> list[str]:
    """User-visible strings in a script that do not go through gettext (or its kin): text
    put on the page (textContent, innerText, the children of el(…)), titles and labels
    (title:, alt:, label:, text:, aria-label), and in the words module every string."""
    source = _COMMENT.sub(" ", source)
    source = _TRANSLATED_CALL.sub("gettext(…", source)
    found: list[str] = []
    for match in re.finditer(r"\.(?:textContent|innerText)\s*=([^;]+);", source):
        found += _literals_with_words(match.group(1))
    for match in re.finditer(r"\b(?:title|alt|label|text)\s*:\s*(" + _STRING + ")", source):
        found += _literals_with_words(match.group(1))
    for match in re.finditer(r'setAttribute\(\s*"(?:aria-label|title|alt)"\s*,([^)]*)\)', source):
        found += _literals_with_words(match.group(1))
    for match in re.finditer(r"\bel\(", source):
        for child in _call_arguments(source, match.end() - 1)[2:]:
            found += _literals_with_words(_without_calls(child))
    if words_module:
        source = re.sub(r"^import .*$", "", source, flags=re.M)
        found += [
            literal
            for literal in _literals_with_words(source)
            if not re.fullmatch(r"[\"'`][{}\w ]*\{\w+\}[{}\w ]*[\"'`]", literal)
        ]
    return found


def project_scripts() -> list[Path]:
    return sorted(SCRIPT_DIR.rglob("*.js"))


def test_the_script_check_flags_bare_words_on_the_page():
    assert untranslated_script_text('box.textContent = "Loading the map";') == ['"Loading the map"']
    assert untranslated_script_text('el("h3", {}, "Facility status")') == ['"Facility status"']
    assert untranslated_script_text("L.marker(x, { title: `Attack on ${day}` });") == [
        "`Attack on ${day}`"
    ]
    assert untranslated_script_text('node.setAttribute("aria-label", "Close");') == ['"Close"']
    assert untranslated_script_text('export const words = "over 1,100";', words_module=True) == [
        '"over 1,100"'
    ]


def test_the_script_check_lets_translated_and_technical_strings_through():
    source = """
      box.textContent = gettext("Loading the map");
      el("div", { class: "popup two-col" }, el("strong", {}, p.name), gettext("Facility details"));
      el("h3", {}, interpolate(ngettext("%(count)s attack", "%(count)s attacks", n), { count: n }));
      L.marker(x, { title: interpolate(gettext("Attack on %(date)s"), { date: day }) });
      fetch(url, { credentials: "same-origin" });  // a comment with Words in it
      node.textContent = `${a} · ${b}`;
    """
    assert untranslated_script_text(source) == []


@pytest.mark.parametrize("path", project_scripts(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_script_marks_its_words_for_translation(path):
    source = path.read_text(encoding="utf-8")
    assert untranslated_script_text(source, words_module=path.name == "words.js") == []


# --------------------------------------------------------------------------- catalogues


def _msgattrib(*args: str) -> str:
    """GNU gettext's msgattrib (a fixed program and our own files)."""
    msgattrib = shutil.which("msgattrib")
    if msgattrib is None:
        pytest.fail("GNU gettext is not installed: run `scripts/setup.sh gettext`.")
    return subprocess.run(  # noqa: S603
        [msgattrib, "--no-obsolete", "--no-wrap", *args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _entries_needing_work(po_file: Path) -> list[str]:
    """msgids of `po_file` that are untranslated or fuzzy."""
    needing = []
    for flag in ("--untranslated", "--only-fuzzy"):
        out = _msgattrib(flag, str(po_file))
        needing += [m for m in re.findall(r'^msgid "(.*)"$', out, re.M) if m]
    return needing


def _msgids(po_file: Path) -> set[str]:
    return set(re.findall(r'^msgid "(.*)"$', _msgattrib(str(po_file)), re.M)) - {""}


@pytest.fixture(scope="module")
def extracted_catalogues(tmp_path_factory) -> Path:
    """Every message in the code now: makemessages into an empty folder, with the
    options `make messages` uses (the shipped files are not touched)."""
    # makemessages writes beside the code it reads (into ./locale when it exists), so it
    # reads a copy of the project's sources, without the shipped catalogues.
    source = tmp_path_factory.mktemp("project") / "copy"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(*COPY_IGNORE))
    locale = source / "locale"
    with override_settings(LOCALE_PATHS=[locale]), pytest.MonkeyPatch.context() as patch:
        patch.chdir(source)
        for domain in ("django", "djangojs"):
            call_command(
                "makemessages",
                locale=["uk"],
                domain=domain,
                extensions=MAKEMESSAGES_EXTENSIONS[domain],
                no_location=True,
                no_obsolete=True,
                ignore_patterns=MAKEMESSAGES_IGNORE,
                verbosity=0,
            )
    return locale / "uk" / "LC_MESSAGES"


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_the_ukrainian_catalogue_translates_every_message_in_the_code(extracted_catalogues, domain):
    shipped = REPO / "locale" / "uk" / "LC_MESSAGES" / f"{domain}.po"
    in_code = _msgids(extracted_catalogues / f"{domain}.po")
    assert "Damage map" in in_code or "Legend" in in_code  # The extraction found the code.
    assert sorted(in_code - _msgids(shipped)) == [], (
        f"Messages missing from locale/uk/LC_MESSAGES/{domain}.po: run `make messages` "
        "and translate them."
    )
    assert sorted(_msgids(shipped) - in_code) == [], (
        f"locale/uk/LC_MESSAGES/{domain}.po holds messages the code no longer has: "
        "run `make messages`."
    )
    assert _entries_needing_work(shipped) == [], (
        f"Untranslated or fuzzy messages in locale/uk/LC_MESSAGES/{domain}.po."
    )


def test_the_catalogue_check_notices_a_new_message(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Map"\nmsgstr "Мапа"\n\n'
        'msgid "A sentence added today"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "Damage map"\nmsgstr "Мапа"\n',
        encoding="utf-8",
    )
    assert _entries_needing_work(po) == ["A sentence added today", "Damage map"]
