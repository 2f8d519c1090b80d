"""Pages that read across the stages. The workbench (home) is the first: what this person can see, at a glance."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.selectors import activity_due_for
from customers.selectors import account_list_visible_to, contact_list_visible_to
from insights import data
from insights.forms import InsightFilter, default_period
from insights.funnel import STAGES, funnel
from insights.leakage import LEAKAGE_HOPS, leakage_of
from insights.reps import rep_performance
from insights.scope import MODES, Scope
from insights.stages import stage_times
from leads.filters import LeadFilter
from leads.models import OPEN_STATUSES, Lead
from leads.selectors import lead_list_visible_to
from ltc import exports
from ltc.paging import CappedPaginator
from org.selectors import user_roles, user_teams

FOLLOW_UPS_SHOWN = 10


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    accounts = account_list_visible_to(user=user)
    leads = lead_list_visible_to(user=user)
    end_of_day = timezone.localtime().replace(hour=23, minute=59, second=59)
    follow_ups = list(activity_due_for(user=user, until=end_of_day)[:FOLLOW_UPS_SHOWN])
    lead_ids = [a.target_id for a in follow_ups if a.target_type.model_class() is Lead]
    targets = leads.in_bulk(lead_ids)
    return render(
        request,
        "insights/home.html",
        {
            "roles": user_roles(user=user),  # type: ignore[arg-type]
            "teams": user_teams(user=user),  # type: ignore[arg-type]
            "account_count": accounts.count(),
            "contact_count": contact_list_visible_to(user=user).count(),
            "recent_accounts": accounts[:5],
            "open_lead_count": CappedPaginator(leads.filter(status__in=OPEN_STATUSES), 1).count,
            "overdue_lead_count": CappedPaginator(LeadFilter({"overdue": "true"}, queryset=leads).qs, 1).count,
            "follow_ups": [(activity, targets.get(activity.target_id)) for activity in follow_ups],
            "now": timezone.now(),
        },
    )


# --- dashboards: the funnel, stage times and the bottleneck, rep performance ---------------------------------------

REPORTS = ("funnel", "stage_times", "reps")
LEAKAGE_SHOWN = 200


def _filters(request: HttpRequest) -> InsightFilter:
    """The page's filters from its URL; the period not given shows the one used (the last twelve months)."""
    data = request.GET.copy()
    start, end = default_period(timezone.localdate())
    for name, day in (("start", start), ("end", end)):
        if not data.get(name):
            data[name] = day.isoformat()
    return InsightFilter(data, user=request.user)


def _report(name: str, scope: Scope) -> dict[str, Any]:
    if name == "funnel":
        return data.funnel_data(funnel(scope))
    if name == "stage_times":
        return data.stage_times_data(stage_times(scope))
    return data.reps_data(rep_performance(scope))


def _page(
    request: HttpRequest, name: str, template: str, report_of: Callable[[str, Scope], Any] | None = None
) -> HttpResponse:
    """A dashboard tab: its filters from the URL and, when they are valid, ``report_of(name, scope)`` (by default
    this module's funnel, stage-time and rep reports)."""
    form = _filters(request)
    scope = form.scope()
    report = (report_of or _report)(name, scope) if scope is not None else None
    query = urlencode(form.shown())
    return render(
        request,
        template,
        {
            "form": form,
            "scope": scope,
            "report": report,
            "section": name,
            "query": query,
            "modes": dict(MODES),
            "stages": STAGES,
        },
    )


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The lead-to-cash funnel for what the reader sees, with its filters in the URL."""
    return _page(request, "funnel", "insights/funnel.html")


@login_required
def stage_times_page(request: HttpRequest) -> HttpResponse:
    """Days in each stage, the bottleneck and the month-by-month trend."""
    return _page(request, "stage_times", "insights/stage_times.html")


@login_required
def reps_page(request: HttpRequest) -> HttpResponse:
    """Per-rep conversion, win rate, deal size, activities, sales cycle and DSO."""
    return _page(request, "reps", "insights/reps.html")


@login_required
def export(request: HttpRequest, report: str, fmt: str) -> HttpResponseBase:
    """A chart's data as CSV or Excel: the same filters and numbers as the page."""
    if report not in REPORTS or fmt not in ("csv", "xlsx"):
        raise Http404
    form = _filters(request)
    scope = form.scope()
    if scope is None:
        return render(request, "insights/invalid.html", {"form": form}, status=400)
    payload = _report(report, scope)
    records: list[Any]
    if report == "funnel":
        records, columns, title = data.funnel_records(payload), data.funnel_columns(), _("Funnel")
    elif report == "stage_times":
        records, columns, title = data.stage_time_records(payload), data.stage_time_columns(), _("Stage times")
    else:
        records, columns, title = [payload["total"], *payload["reps"]], data.rep_columns(), _("Rep performance")
    stem = f"insights-{report.replace('_', '-')}"
    if fmt == "csv":
        return exports.csv_response(records, columns, stem)
    return exports.xlsx_response(records, columns, stem, str(title))


@login_required
def leakage(request: HttpRequest, stage: str) -> HttpResponse:
    """What stopped after a stage of the funnel: its records (those the reader sees) that did not reach the next
    stage, with the reason where one was given, summed by reason."""
    if stage not in LEAKAGE_HOPS:
        raise Http404
    form = _filters(request)
    scope = form.scope()
    result = leakage_of(scope, stage, limit=LEAKAGE_SHOWN) if scope is not None else None
    return render(
        request,
        "insights/leakage.html",
        {
            "form": form,
            "scope": scope,
            "result": result,
            "stage": stage,
            "query": urlencode(form.shown()),
            "section": "funnel",
            "shown": LEAKAGE_SHOWN,
        },
    )
