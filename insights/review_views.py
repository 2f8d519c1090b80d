"""The review pack page (复盘): /insights/review/?team=&period=week|month&start= — printable; the same pack is
emailed to each manager on Mondays (``insights.tasks``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from insights.forms import NOT_YOUR_TEAM, DateInput
from insights.review import MONTH, WEEK, previous_period, review_pack, review_period
from insights.scope import Scope, visible_teams

PERIODS = ((WEEK, _("Week")), (MONTH, _("Month")))


class ReviewFilter(forms.Form):
    team = forms.TypedChoiceField(
        label=_("Team"), required=False, coerce=int, empty_value=None,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )  # fmt: skip
    period = forms.ChoiceField(
        label=_("Period"), required=False, choices=PERIODS,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )  # fmt: skip
    start = forms.DateField(label=_("Starting"), required=False, widget=DateInput())

    def __init__(self, data: Any, *, user: Any, today: date | None = None) -> None:
        super().__init__(data)
        self.user = user
        self.today = today or timezone.localdate()
        self.teams = {t.pk: t for t in visible_teams(user)}
        field = self.fields["team"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("All"))] + [(pk, str(t)) for pk, t in self.teams.items()]
        field.error_messages = {**field.error_messages, "invalid_choice": NOT_YOUR_TEAM}

    def clean_team(self) -> int | None:
        value = self.cleaned_data.get("team")
        if value is not None and value not in self.teams:
            raise forms.ValidationError(NOT_YOUR_TEAM, code="team_not_visible")
        return value

    def scope(self) -> tuple[Scope, str] | None:
        if not self.is_valid():
            return None
        period = self.cleaned_data.get("period") or WEEK
        start, end = review_period(period, self.cleaned_data.get("start") or previous_period(period, self.today))
        return Scope.build(user=self.user, start=start, end=end, team=self.cleaned_data.get("team")), period


def default_team(user: Any) -> int | None:
    """A manager's review is of the first team they manage; others see everything they may see."""
    from ltc.access import profile_for

    profile = profile_for(user)
    if profile is None or profile.sees_all or not profile.managed_team_ids:
        return None
    teams = visible_teams(user)
    managed = [
        t.pk for t in teams if t.pk in set(profile.managed_team_ids) and t.parent_id not in profile.managed_team_ids
    ]
    return managed[0] if managed else None


@login_required
def review_page(request: HttpRequest) -> HttpResponse:
    """The pack of a team and period; a team the reader cannot see, or a malformed value, is said, not guessed."""
    data = request.GET.copy()
    if "team" not in data:
        team = default_team(request.user)
        if team:
            data["team"] = str(team)
    form = ReviewFilter(data, user=request.user)
    built = form.scope()
    pack = review_pack(*built) if built is not None else None
    if pack is not None and not form.data.get("start"):
        shown = {**data.dict(), "start": pack.scope.start.isoformat(), "period": pack.period}
        form = ReviewFilter(shown, user=request.user)
        form.is_valid()
    return render(request, "insights/review.html", {"form": form, "pack": pack})
