"""The deal list as a file: the same filters and visibility as the page."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from ltc import exports


def columns() -> exports.Columns:
    when = exports.local_time
    return [
        (_("ID"), lambda d: d.pk),
        (_("Opportunity name"), lambda d: d.name),
        (_("Account"), lambda d: d.account.name),
        (_("Stage"), lambda d: str(d.stage or "")),
        (_("Probability (%)"), lambda d: d.probability),
        (_("Amount"), lambda d: d.amount),
        (_("Currency"), lambda d: d.currency),
        (_("Expected close date"), lambda d: d.expected_close_date.isoformat() if d.expected_close_date else ""),
        (_("Owner"), lambda d: str(d.owner)),
        (_("Solution lead"), lambda d: str(d.presales or "")),
        (_("Delivery lead"), lambda d: str(d.delivery or "")),
        (_("Source"), lambda d: str(d.source or "")),
        (_("Lost reason"), lambda d: str(d.lost_reason or "")),
        (_("Competitor"), lambda d: d.competitor),
        (_("Created"), lambda d: when(d.created_at)),
        (_("Closed"), lambda d: when(d.closed_at)),
    ]


def respond(deals: Any, fmt: str) -> Any:
    deals = deals.select_related("stage", "presales", "delivery", "lost_reason")
    if fmt == "xlsx":
        return exports.xlsx_response(deals, columns(), "opportunities", _("Opportunities"))
    return exports.csv_response(deals, columns(), "opportunities")
