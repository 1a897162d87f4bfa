"""The options a format accepts, declared once on its importer (`Importer.accepts`).

The declaration gives the admin's import form its fields, the command its flags
and the API its check; `clean_options` reads what any of them was given.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from django import forms
from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class ImportOption:
    """One option: its key in ImportJob.options, what kind of value it takes and its help.

    kind: "text" (a string, `pattern` if given, at most `max_length` characters),
    "flag" (true or false), "mapping" (an object of strings to strings) or "choice"
    (one of `choices`). `cli_flag` names the command's flag when the name is too long.
    """

    name: str
    kind: Literal["text", "flag", "mapping", "choice"]
    help: str
    default: Any = None
    max_length: int | None = None
    pattern: str | None = None
    upper: bool = False
    choices: tuple[str, ...] = ()
    cli_flag: str | None = None

    @property
    def flag(self) -> str:
        """Its command-line flag, e.g. --energy-only."""
        return self.cli_flag or "--" + self.name.replace("_", "-")

    def clean(self, value: Any) -> Any:
        """The value as the importer uses it; ValueError with a reason if it does not fit."""
        if value is None or value == "":
            return self.empty()
        if self.kind == "flag":
            if not isinstance(value, bool):
                raise ValueError("give true or false")
            return value
        if self.kind == "mapping":
            if not isinstance(value, dict) or not all(
                isinstance(key, str) and isinstance(item, str) for key, item in value.items()
            ):
                raise ValueError('give an object of names, e.g. {"name": "NAME_EN"}')
            return value
        if self.kind == "choice":
            if value not in self.choices:
                raise ValueError(f"give one of {', '.join(self.choices)}")
            return value
        if not isinstance(value, str):
            raise ValueError("give a text")
        text = value.strip().upper() if self.upper else value.strip()
        if self.max_length is not None and len(text) > self.max_length:
            raise ValueError(f"at most {self.max_length} characters")
        if self.pattern is not None and not re.fullmatch(self.pattern, text):
            raise ValueError(f"{value!r} does not fit: {self.help}")
        return text or self.empty()

    def empty(self) -> Any:
        if self.default is not None:
            return self.default
        return {"flag": False, "mapping": {}, "text": ""}[self.kind]

    def form_field(self, label: str) -> forms.Field:
        """The admin form's field; `label` names the formats that take it."""
        help_text = f"{label} only: {self.help}"
        if self.kind == "flag":
            return forms.BooleanField(required=False, help_text=help_text)
        if self.kind == "mapping":
            return forms.JSONField(required=False, help_text=help_text)
        if self.kind == "choice":
            return forms.ChoiceField(
                required=False,
                initial=self.default,
                choices=[(choice, choice) for choice in self.choices],
                help_text=help_text,
            )
        return forms.CharField(
            required=False, initial=self.default, max_length=self.max_length, help_text=help_text
        )

    def add_argument(self, parser: argparse.ArgumentParser, label: str) -> None:
        """The command's flag; a mapping is given as JSON."""
        help_text = f"{label}: {self.help}"
        if self.kind == "flag":
            parser.add_argument(self.flag, dest=self.name, action="store_true", help=help_text)
        elif self.kind == "mapping":
            parser.add_argument(self.flag, dest=self.name, type=_json_object, help=help_text)
        elif self.kind == "choice":
            parser.add_argument(self.flag, dest=self.name, choices=self.choices, help=help_text)
        else:
            parser.add_argument(self.flag, dest=self.name, help=help_text)


# The state of the records an import creates or changes, for formats whose records have one.
DRAFT, PUBLISHED = "draft", "published"
PUBLICATION_STATE = ImportOption(
    "publication_state",
    "choice",
    "the state of the records the import creates or changes: draft (the default; they "
    "go through review) or published (public at once; only for reviewers, who may publish).",
    default=DRAFT,
    choices=(DRAFT, PUBLISHED),
    cli_flag="--state",
)


def _json_object(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not valid JSON ({exc.msg})") from None


def clean_options(
    accepted: Sequence[ImportOption], given: Mapping[str, Any], *, label: str
) -> dict[str, Any]:
    """Every accepted option with its value (given or default).

    Raises ValidationError keyed "options" naming an option the format does not
    take (and those it does) or a value that does not fit.
    """
    by_name = {option.name: option for option in accepted}
    if not isinstance(given, Mapping):
        raise ValidationError({"options": 'Give an object, e.g. {"country": "UKR"}.'})
    problems = []
    unknown = sorted(set(given) - set(by_name))
    if unknown:
        takes = f"it takes {', '.join(by_name)}" if by_name else "it takes none"
        problems.append(
            f"The {label} import has no option {', '.join(map(repr, unknown))}; {takes}."
        )
    cleaned = {}
    for name, option in by_name.items():
        try:
            cleaned[name] = option.clean(given.get(name))
        except ValueError as exc:
            problems.append(f"{name}: {str(exc).rstrip('.')}.")
    if problems:
        raise ValidationError({"options": problems})
    return cleaned
