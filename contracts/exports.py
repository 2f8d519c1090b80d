"""The contract list as a file: the same filters and the same visibility as the page, as CSV or Excel."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _

from contracts.models import Contract
from ltc import exports


def _columns() -> list[tuple[str, Any]]:
    day = lambda value: value.isoformat() if value else ""  # noqa: E731
    return [
        (_("Number"), lambda c: c.number),
        (_("Title"), lambda c: c.title),
        (_("Customer"), lambda c: str(c.account)),
        (_("Status"), lambda c: c.get_status_display()),
        (_("Version"), lambda c: c.version),
        (_("Currency"), lambda c: c.currency),
        (_("Total"), lambda c: c.total),  # a Decimal: Excel keeps it a number, CSV writes it exactly
        (_("Signed on"), lambda c: day(c.signed_on)),
        (_("Starts on"), lambda c: day(c.starts_on)),
        (_("Ends on"), lambda c: day(c.ends_on)),
        (_("Ended on"), lambda c: day(c.ended_on)),
        (_("Owner"), lambda c: str(c.owner)),
        (_("Created"), lambda c: exports.local_time(c.created_at)),
    ]


def export_csv(contracts: QuerySet[Contract]) -> StreamingHttpResponse:
    return exports.csv_response(contracts, _columns(), "contracts")


def export_xlsx(contracts: QuerySet[Contract]) -> HttpResponse:
    return exports.xlsx_response(contracts, _columns(), "contracts", _("Contracts"))
