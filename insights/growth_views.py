"""Pages for targets (view and set), attainment against them with the forecast, and channel value; their
exports. Filters as on the other dashboards (``insights.forms``); a filter the reader may not use shows a
message and no figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from insights import growth_data
from insights.channels import channel_value
from insights.forms import InsightFilter
from insights.models import PeriodKind, Target, TargetKind
from insights.scope import MODES, Scope
from insights.services import TargetInput, may_set_targets, targets_set
from insights.targets import REP, TEAM, attainment
from ltc import exports
from ltc.access import profile_for
from ltc.errors import DomainError
from org.models import Team, User

REPORTS = ("attainment", "channels")
SAVED = gettext_lazy("Targets saved.")


def quarter_of(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _quarter_end(first: date) -> date:
    from insights.models import period_end

    return period_end(PeriodKind.QUARTER, first)


def _filters(request: HttpRequest, *, quarter: bool) -> InsightFilter:
    """The page's filters from its URL; without a period, the current quarter (targets) or the last twelve months
    (channels, like the other dashboards)."""
    from insights.forms import default_period

    data = request.GET.copy()
    today = timezone.localdate()
    start, end = (quarter_of(today), _quarter_end(quarter_of(today))) if quarter else default_period(today)
    for name, day in (("start", start), ("end", end)):
        if not data.get(name):
            data[name] = day.isoformat()
    return InsightFilter(data, user=request.user)


def _render(
    request: HttpRequest, form: InsightFilter, scope: Scope | None, section: str, template: str, report: Any
) -> HttpResponse:
    return render(
        request,
        template,
        {
            "form": form,
            "scope": scope,
            "report": report,
            "section": section,
            "query": urlencode(form.shown()),
            "modes": dict(MODES),
            "may_set": may_set_targets(request.user),
        },
    )


def _attainment(scope: Scope) -> dict[str, Any]:
    return growth_data.attainment_data(scope, attainment(scope=scope, start=scope.start, end=scope.end))


@login_required
def attainment_page(request: HttpRequest) -> HttpResponse:
    """Target against cash and bookings, the gap, and the forecast of the period, per team and rep."""
    form = _filters(request, quarter=True)
    scope = form.scope()
    return _render(request, form, scope, "targets", "insights/attainment.html", _attainment(scope) if scope else None)


@login_required
def channels_page(request: HttpRequest) -> HttpResponse:
    """What each channel and campaign brought, and what it cost."""
    form = _filters(request, quarter=False)
    scope = form.scope()
    report = growth_data.channels_data(channel_value(scope)) if scope else None
    return _render(request, form, scope, "channels", "insights/channels.html", report)


@login_required
def growth_export(request: HttpRequest, report: str, fmt: str) -> HttpResponseBase:
    """The attainment or channel table as CSV or Excel: the same filters and numbers as the page."""
    if report not in REPORTS or fmt not in ("csv", "xlsx"):
        raise Http404
    form = _filters(request, quarter=report == "attainment")
    scope = form.scope()
    if scope is None:
        return render(request, "insights/invalid.html", {"form": form}, status=400)
    if report == "attainment":
        payload = _attainment(scope)
        records, columns, title = payload["rows"], growth_data.attainment_columns(), _("Targets")
    else:
        payload = growth_data.channels_data(channel_value(scope))
        records = growth_data.channel_records(payload)
        columns, title = growth_data.channel_columns(), _("Channel value")
    stem = f"insights-{report}"
    if fmt == "csv":
        return exports.csv_response(records, columns, stem)
    return exports.xlsx_response(records, columns, stem, str(title))


# --- the targets grid ---------------------------------------------------------------------------------------------


@dataclass
class GridRow:
    level: str
    id: int
    name: str
    cells: list[tuple[str, str]]  # (input name, value)


def _grid_subjects(user: Any) -> list[tuple[str, int, str]]:
    """Whose targets the person sees on the grid: an administrator every team and seller, a manager the teams
    they manage and their people (not themselves), anyone else themselves (read only)."""
    from insights.scope import visible_people

    profile = profile_for(user)
    if profile is None:
        return []
    if profile.sees_all:
        teams = list(Team.objects.order_by("name"))
    else:
        teams = list(Team.objects.filter(pk__in=sorted(profile.managed_team_ids)).order_by("name"))
    people = visible_people(user)
    if profile.managed_team_ids and not profile.sees_all:
        people = [p for p in people if p.pk != user.pk]
    return [(TEAM, t.pk, str(t)) for t in teams] + [(REP, p.pk, str(p)) for p in people]


def _periods(quarter: date) -> list[tuple[str, str, date]]:
    """The grid's columns: the quarter's three months, then the quarter."""
    months = [date(quarter.year, quarter.month + i, 1) for i in range(3)]
    return [*[("m", f"{m:%Y-%m}", m) for m in months], ("q", _("Quarter"), quarter)]


def _cell(level: str, subject: int, code: str, day: date) -> str:
    return f"t-{level}-{subject}-{code}-{day:%Y%m%d}"


def _quarter_param(value: str | None) -> date | None:
    """``2025-Q1`` → 2025-01-01; None when malformed."""
    today = timezone.localdate()
    if not value:
        return quarter_of(today)
    try:
        year, q = value.upper().split("-Q")
        number = int(q)
        if not 1 <= number <= 4:
            return None
        return date(int(year), number * 3 - 2, 1)
    except ValueError:
        return None


@login_required
def targets_page(request: HttpRequest) -> HttpResponse:
    """The targets of a quarter for one kind (cash or bookings): a row per team and person, a column per month and
    one for the quarter. A manager or an administrator saves the whole grid at once (all or nothing); an empty
    cell clears a target."""
    quarter = _quarter_param(request.GET.get("quarter"))
    kind = request.GET.get("kind") or TargetKind.CASH
    if quarter is None or kind not in TargetKind.values:
        return render(request, "insights/targets.html", {"bad_input": True, "section": "targets"}, status=400)
    subjects = _grid_subjects(request.user)
    periods = _periods(quarter)
    existing = {
        (REP if t.user_id else TEAM, t.user_id or t.team_id, "q" if t.period_kind == PeriodKind.QUARTER else "m",
         t.period_start): t.amount
        for t in Target.objects.filter(
            period_start__gte=quarter, period_start__lte=periods[2][2], kind=kind,
            user_id__in=[s for lv, s, _n in subjects if lv == REP] or [0],
        ) | Target.objects.filter(
            period_start__gte=quarter, period_start__lte=periods[2][2], kind=kind,
            team_id__in=[s for lv, s, _n in subjects if lv == TEAM] or [0],
        )
    }  # fmt: skip
    error, status = None, 200
    may_set = may_set_targets(request.user)
    posted = request.POST if request.method == "POST" else None
    if posted is not None:
        entries = _entries(posted, subjects, periods, kind, existing)
        try:
            targets_set(actor=request.user, entries=entries)
        except DomainError as exc:
            error, status = exc.message, exc.status
        else:
            from django.contrib import messages

            messages.success(request, str(SAVED))
            return redirect(f"{request.path}?{urlencode({'quarter': request.GET.get('quarter', ''), 'kind': kind})}")
    rows = []
    for level, subject, name in subjects:
        cells = []
        for code, _label, day in periods:
            key = _cell(level, subject, code, day)
            value = posted.get(key, "") if posted is not None else existing.get((level, subject, code, day), "")
            cells.append((key, str(value)))
        rows.append(GridRow(level, subject, name, cells))
    return render(
        request,
        "insights/targets.html",
        {
            "section": "targets",
            "rows": rows,
            "periods": periods,
            "kind": kind,
            "kinds": TargetKind.choices,
            "quarter": f"{quarter.year}-Q{(quarter.month - 1) // 3 + 1}",
            "quarters": _quarter_choices(quarter),
            "may_set": may_set,
            "error": error,
            "currency": settings.DEFAULT_CURRENCY,
        },
        status=status,
    )


def _quarter_choices(current: date) -> list[str]:
    out = []
    for offset in range(-4, 5):
        index = current.year * 4 + (current.month - 1) // 3 + offset
        out.append(f"{index // 4}-Q{index % 4 + 1}")
    return out


def _entries(
    posted: Any, subjects: list[tuple[str, int, str]], periods: list[tuple[str, str, date]], kind: str,
    existing: dict[Any, Decimal],
) -> list[TargetInput]:  # fmt: skip
    """The grid's changed cells as targets to set (an emptied cell clears its target)."""
    people = User.objects.in_bulk([s for lv, s, _n in subjects if lv == REP])
    teams = Team.objects.in_bulk([s for lv, s, _n in subjects if lv == TEAM])
    entries = []
    for level, subject, _name in subjects:
        for code, _label, day in periods:
            raw = (posted.get(_cell(level, subject, code, day)) or "").strip()
            before = existing.get((level, subject, code, day))
            if raw == "" and before is None:
                continue
            if before is not None and raw and _same(raw, before):
                continue
            who = {"user": people.get(subject)} if level == REP else {"team": teams.get(subject)}
            period_kind = PeriodKind.QUARTER if code == "q" else PeriodKind.MONTH
            entries.append(TargetInput(period_kind, day, kind, raw or None, **who))
    return entries


def _same(raw: str, amount: Decimal) -> bool:
    try:
        return Decimal(raw.replace(",", "")) == amount
    except ArithmeticError:
        return False
