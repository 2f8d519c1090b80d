"""Form widgets every app's filters and forms share: the browser's date picker with ISO dates, small selects."""

from __future__ import annotations

from typing import Any

from django import forms

SMALL = {"class": "form-control form-control-sm"}
SELECT = {"class": "form-select form-select-sm"}


class DateInput(forms.DateInput):
    """The browser's date picker; the value is written as 2026-12-31, whatever the language."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(format="%Y-%m-%d", attrs={**SMALL, **(attrs or {})})


def small_select() -> forms.Select:
    return forms.Select(attrs=dict(SELECT))
