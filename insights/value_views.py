"""The receivables and customer-value tabs of the dashboards, and their exports: the same filters (in the URL) and
the same numbers as the API (``insights.value_api``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _

from insights.customers import (
    customer_columns,
    customer_records,
    customer_value,
    customers_data,
    receivables_columns,
    receivables_data,
    receivables_records,
    receivables_summary,
)
from insights.scope import Scope
from insights.views import _filters, _page
from ltc import exports

VALUE_REPORTS = ("receivables", "customers")


def value_report(name: str, scope: Scope) -> dict[str, Any]:
    if name == "receivables":
        return receivables_data(receivables_summary(scope))
    return customers_data(customer_value(scope))


@login_required
def receivables_page(request: HttpRequest) -> HttpResponse:
    """Aging, DSO, overdue by owner and collections month by month."""
    return _page(request, "receivables", "insights/receivables.html", value_report)


@login_required
def customers_page(request: HttpRequest) -> HttpResponse:
    """Customer lifetime value (cash per account over time) and new vs repeat customers."""
    return _page(request, "customers", "insights/customers.html", value_report)


@login_required
def value_export(request: HttpRequest, report: str, fmt: str) -> HttpResponseBase:
    """The receivables or customer-value data as CSV or Excel."""
    if report not in VALUE_REPORTS or fmt not in ("csv", "xlsx"):
        raise Http404
    form = _filters(request)
    scope = form.scope()
    if scope is None:
        return render(request, "insights/invalid.html", {"form": form}, status=400)
    payload = value_report(report, scope)
    records: list[Any]
    if report == "receivables":
        records, columns, title = receivables_records(payload), receivables_columns(), _("Receivables")
    else:
        records, columns, title = customer_records(payload), customer_columns(payload), _("Customer value")
    stem = f"insights-{report}"
    if fmt == "csv":
        return exports.csv_response(records, columns, stem)
    return exports.xlsx_response(records, columns, stem, str(title))
