"""Texts built in Python (import rejections, the review summary) follow the active
language: English as before, Ukrainian from the catalogue."""

from __future__ import annotations

import pytest
from django.utils import translation

from incidents.admin.changes import Changes, FieldChange, PartChange
from incidents.imports.base import RowRejected, checked_point, parse_int


def _reason(call, *args) -> str:
    with pytest.raises(RowRejected) as caught:
        call(*args)
    return str(caught.value)


def test_rejection_reasons_are_english_by_default_and_ukrainian_in_ukrainian():
    with translation.override("en"):
        assert _reason(parse_int, "x", "launched") == "launched 'x' is not a number."
        assert _reason(checked_point, 2.35, 48.85) == (
            "The point (longitude 2.35, latitude 48.85) lies outside Ukraine."
        )
    with translation.override("uk"):
        assert _reason(parse_int, "x", "launched") == "launched 'x' не є числом."
        assert _reason(checked_point, 2.35, 48.85) == (
            "Точка (довгота 2.35, широта 48.85) лежить за межами України."
        )


def test_review_summary_in_both_languages():
    changes = Changes(
        is_new=False,
        fields=[FieldChange("summary", "a", "b")],
        parts=[PartChange("damage", "X", "added") for _ in range(5)]
        + [PartChange("weapon use", "Y", "deleted")],
    )
    with translation.override("en"):
        assert Changes(is_new=True).summary() == "New: never published"
        assert changes.summary() == "Changed: summary, 5 damage added, 1 weapon use deleted"
    with translation.override("uk"):
        assert Changes(is_new=True).summary() == "Новий: ще не опублікований"
        assert changes.summary() == (
            "Змінено: summary, додано 5 пошкоджень, видалено 1 застосування зброї"
        )
        assert changes.parts[0].kind_label == "пошкодження"
