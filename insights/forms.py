"""The dashboards' URL parameters, validated once for the pages, the exports and the API.

The choices are what the reader may ask about: their teams (for a manager, the teams they manage and those
below), their people, the company's channels, campaigns and grades. A value outside them — a team of someone
else, an unknown id, a malformed date — makes the form invalid with a message; no figure is computed then.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import CompanySize
from insights.scope import ACTIVITY, MODES, Scope, visible_people, visible_teams
from leads.models import Campaign, Grade, Source
from ltc.money import CURRENCIES
from ltc.widgets import DateInput, small_select

# Messages tests assert.
NOT_YOUR_TEAM = _("You cannot see this team's figures; choose one of your teams.")
NOT_YOUR_PERSON = _("You cannot see this person's figures; choose one of your people.")
PERIOD_BACKWARDS = _("The period ends before it starts.")
PERIOD_TOO_LONG = _("A period of at most ten years.")
MAX_DAYS = 3660


def default_period(today: date) -> tuple[date, date]:
    """The last twelve months: from the first day of the month eleven months back, through today."""
    month = today.month - 11
    year = today.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return date(year, month, 1), today


class InsightFilter(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())
    mode = forms.ChoiceField(label=_("Read the period as"), required=False, choices=MODES, widget=small_select())
    team = forms.TypedChoiceField(label=_("Team"), required=False, coerce=int, empty_value=None, widget=small_select())
    owner = forms.TypedChoiceField(label=_("Rep"), required=False, coerce=int, empty_value=None, widget=small_select())
    source = forms.TypedChoiceField(
        label=_("Channel"), required=False, coerce=int, empty_value=None, widget=small_select()
    )
    campaign = forms.TypedChoiceField(
        label=_("Campaign"), required=False, coerce=int, empty_value=None, widget=small_select()
    )
    grade = forms.ChoiceField(label=_("Grade"), required=False, widget=small_select())
    segment = forms.ChoiceField(label=_("Customer segment"), required=False, widget=small_select())
    currency = forms.ChoiceField(label=_("Currency"), required=False, widget=small_select())

    def __init__(self, data: Any, *, user: Any, today: date | None = None) -> None:
        super().__init__(data)
        self.user = user
        self.today = today or timezone.localdate()
        everyone: list[tuple[Any, Any]] = [("", _("All"))]
        self.teams = {t.pk: t for t in visible_teams(user)}
        self.people = {p.pk: p for p in visible_people(user)}
        self._choice("team").choices = everyone + [(pk, str(t)) for pk, t in self.teams.items()]
        self._choice("owner").choices = everyone + [(pk, str(p)) for pk, p in self.people.items()]
        self._choice("source").choices = everyone + [(s.pk, str(s)) for s in Source.objects.order_by("name", "pk")]
        self._choice("campaign").choices = everyone + [(c.pk, str(c)) for c in Campaign.objects.order_by("name", "pk")]
        self._choice("grade").choices = everyone + list(Grade.choices)
        self._choice("segment").choices = everyone + list(CompanySize.choices)
        self._choice("currency").choices = [(c, c) for c in CURRENCIES]

    def _choice(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return field

    def clean_team(self) -> int | None:
        value = self.cleaned_data.get("team")
        if value is not None and value not in self.teams:
            raise forms.ValidationError(NOT_YOUR_TEAM, code="team_not_visible")
        return value

    def clean_owner(self) -> int | None:
        value = self.cleaned_data.get("owner")
        if value is not None and value not in self.people:
            raise forms.ValidationError(NOT_YOUR_PERSON, code="person_not_visible")
        return value

    def full_clean(self) -> None:
        # an unknown team or person is reported in the words above, not as "not one of the choices"
        for name, message in (
            ("team", NOT_YOUR_TEAM),
            ("owner", NOT_YOUR_PERSON),
        ):
            field = self._choice(name)
            field.error_messages = {**field.error_messages, "invalid_choice": message}
        super().full_clean()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        default_start, default_end = default_period(self.today)
        start = cleaned.get("start") or default_start
        end = cleaned.get("end") or default_end
        if "start" in self.errors or "end" in self.errors:
            return cleaned
        if end < start:
            self.add_error("end", forms.ValidationError(PERIOD_BACKWARDS, code="period_backwards"))
        elif (end - start).days > MAX_DAYS:
            self.add_error("start", forms.ValidationError(PERIOD_TOO_LONG, code="period_too_long"))
        cleaned["start"], cleaned["end"] = start, end
        cleaned["mode"] = cleaned.get("mode") or ACTIVITY
        cleaned["currency"] = cleaned.get("currency") or settings.DEFAULT_CURRENCY
        cleaned["grade"] = cleaned.get("grade") or None
        cleaned["segment"] = cleaned.get("segment") or None
        return cleaned

    def scope(self) -> Scope | None:
        """The scope of the figures, or None when a parameter is not valid (nothing is computed then)."""
        if not self.is_valid():
            return None
        c = self.cleaned_data
        return Scope.build(
            user=self.user,
            start=c["start"],
            end=c["end"],
            mode=c["mode"],
            team=c.get("team"),
            owner=c.get("owner"),
            source=c.get("source"),
            campaign=c.get("campaign"),
            grade=c.get("grade"),
            segment=c.get("segment"),
            currency=c["currency"],
        )

    def shown(self) -> dict[str, str]:
        """The parameters as given (for links to the leakage lists and the exports)."""
        return {k: v for k, v in self.data.items() if k in self.fields and v}


def month_starts(start: date, end: date) -> list[date]:
    """The first day of each month the period touches."""
    months, day = [], start.replace(day=1)
    while day <= end:
        months.append(day)
        day = (day + timedelta(days=32)).replace(day=1)
    return months
