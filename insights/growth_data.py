"""Targets, attainment and channel value as plain rows: one shape for the charts, the exports (CSV, Excel) and the
API, so that page, file and API say the same numbers (like ``insights.data``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from insights.channels import ChannelRow, ChannelValue
from insights.models import TargetKind
from insights.scope import Scope
from insights.targets import AttainmentRow


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _number(value: Any) -> Any:
    return "" if value is None else Decimal(value)


def attainment_row(row: AttainmentRow) -> dict[str, Any]:
    return {
        "level": row.level,
        "id": row.subject_id,
        "name": row.label,
        "kind": row.kind,
        "kind_label": str(TargetKind(row.kind).label),
        "target": _money(row.target),
        "actual": _money(row.actual),
        "gap": _money(row.gap),
        "rate": None if row.rate is None else f"{row.rate:.1f}",
        "forecast_pipeline": _money(row.forecast_pipeline),
        "forecast_installments": _money(row.forecast_installments),
    }


def attainment_data(scope: Scope, rows: list[AttainmentRow]) -> dict[str, Any]:
    return {
        "period": {"start": scope.start.isoformat(), "end": scope.end.isoformat()},
        "currency": scope.currency,
        "rows": [attainment_row(r) for r in rows],
    }


def attainment_columns() -> list[tuple[Any, Any]]:
    return [
        (_("Level"), lambda r: r["level"]),
        (_("Name"), lambda r: r["name"]),
        (_("Kind"), lambda r: r["kind_label"]),
        (_("Target"), lambda r: _number(r["target"])),
        (_("Actual"), lambda r: _number(r["actual"])),
        (_("Gap"), lambda r: _number(r["gap"])),
        (_("Attainment (%)"), lambda r: _number(r["rate"])),
        (_("Forecast: weighted pipeline"), lambda r: _number(r["forecast_pipeline"])),
        (_("Forecast: open installments"), lambda r: _number(r["forecast_installments"])),
    ]


def channel_row(row: ChannelRow) -> dict[str, Any]:
    return {
        "level": row.level,
        "id": row.id or None,
        "name": row.name,
        "source": row.source,
        "leads": row.leads,
        "deals": row.deals,
        "won": row.won,
        "paid": row.paid,
        "deal_rate": row.deal_rate,
        "won_rate": row.won_rate,
        "cash_rate": row.cash_rate,
        "customers": row.customers,
        "cost": _money(row.cost),
        "cost_per_lead": _money(row.cost_per_lead),
        "cac": _money(row.cac),
        "cash": _money(row.cash),
        "return": _money(row.roi),
        "campaigns": [channel_row(c) for c in row.campaigns],
    }


def channels_data(result: ChannelValue) -> dict[str, Any]:
    scope = result.scope
    return {
        "period": {"start": scope.start.isoformat(), "end": scope.end.isoformat()},
        "currency": scope.currency,
        "sources": [channel_row(r) for r in result.sources],
        "total": channel_row(result.total),
    }


def channel_records(data: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for source in data["sources"]:
        out.append(source)
        out += source["campaigns"]
    return [*out, data["total"]]


def channel_columns() -> list[tuple[Any, Any]]:
    def blank(name: str) -> Any:
        return lambda r: "" if r[name] is None else r[name]

    return [
        (_("Level"), lambda r: r["level"]),
        (_("Channel"), lambda r: r["source"]),
        (_("Name"), lambda r: r["name"]),
        (_("Leads"), lambda r: r["leads"]),
        (_("Became deals (%)"), blank("deal_rate")),
        (_("Won (%)"), blank("won_rate")),
        (_("Brought cash (%)"), blank("cash_rate")),
        (_("Customers with cash"), lambda r: r["customers"]),
        (_("Cost"), lambda r: _number(r["cost"])),
        (_("Cost per lead"), lambda r: _number(r["cost_per_lead"])),
        (_("CAC"), lambda r: _number(r["cac"])),
        (_("Cash collected"), lambda r: _number(r["cash"])),
        (_("Return (cash ÷ cost)"), lambda r: _number(r["return"])),
    ]
