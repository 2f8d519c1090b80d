"""The dashboards' figures as plain rows: one shape for the charts, the tables' exports (CSV, Excel) and the API,
so that page, file and API always say the same numbers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from insights.funnel import Funnel, FunnelRow
from insights.reps import RepPerformance, RepRow
from insights.stages import Figure, StageTimes


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def funnel_row(level: str, row: FunnelRow) -> dict[str, Any]:
    return {
        "level": level,
        "id": row.key,
        "name": str(row.label),
        "stages": [
            {
                "key": s.key,
                "label": str(s.label),
                "count": s.count,
                "amount": _money(s.amount),
                "conversion": s.conversion,
            }
            for s in row.stages
        ],
    }


def funnel_data(result: Funnel) -> dict[str, Any]:
    scope = result.scope
    return {
        "period": {"start": scope.start.isoformat(), "end": scope.end.isoformat(), "mode": scope.mode},
        "currency": scope.currency,
        "total": funnel_row("company", result.total),
        "teams": [funnel_row("team", r) for r in result.teams],
        "reps": [funnel_row("rep", r) for r in result.reps],
    }


def funnel_columns() -> list[tuple[Any, Any]]:
    return [
        (_("Level"), lambda r: r[0]),
        (_("Name"), lambda r: r[1]),
        (_("Stage"), lambda r: r[2]["label"]),
        (_("Count"), lambda r: r[2]["count"]),
        (_("Amount"), lambda r: Decimal(r[2]["amount"]) if r[2]["amount"] is not None else ""),
        (_("Conversion (%)"), lambda r: "" if r[2]["conversion"] is None else r[2]["conversion"]),
    ]


def funnel_records(data: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    out = []
    for row in [data["total"], *data["teams"], *data["reps"]]:
        for stage in row["stages"]:
            out.append((row["level"], row["name"], stage))
    return out


def _figure(f: Figure | None) -> dict[str, Any]:
    if f is None:
        return {"count": 0, "median": None, "p80": None}
    return {"count": f.count, "median": f.median, "p80": f.p80}


def stage_times_data(result: StageTimes) -> dict[str, Any]:
    scope = result.scope
    return {
        "period": {"start": scope.start.isoformat(), "end": scope.end.isoformat()},
        "months": [m.isoformat()[:7] for m in result.months],
        "slowest": result.slowest.key if result.slowest else None,
        "stages": [
            {
                "key": s.key,
                "label": str(s.label),
                "slowest": s.slowest,
                **_figure(s.total),
                "teams": [
                    {"id": k, "name": result.teams.get(k or 0, _("No team")), **_figure(f)}
                    for k, f in sorted(s.by_team.items(), key=lambda kv: result.teams.get(kv[0] or 0, ""))
                ],
                "reps": [
                    {"id": k, "name": result.reps.get(k or 0, _("Unassigned")), **_figure(f)}
                    for k, f in sorted(s.by_rep.items(), key=lambda kv: result.reps.get(kv[0] or 0, ""))
                ],
                "months": [{"month": m.isoformat()[:7], **_figure(s.by_month.get(m))} for m in result.months],
            }
            for s in result.stages
        ],
    }


def stage_time_records(data: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    out = []
    for s in data["stages"]:
        out.append(("company", str(_("Total")), s, s))
        out += [("team", t["name"], s, t) for t in s["teams"]]
        out += [("rep", r["name"], s, r) for r in s["reps"]]
        out += [("month", m["month"], s, m) for m in s["months"] if m["count"]]
    return out


def stage_time_columns() -> list[tuple[Any, Any]]:
    return [
        (_("Stage"), lambda r: r[2]["label"]),
        (_("Level"), lambda r: r[0]),
        (_("Name"), lambda r: r[1]),
        (_("Stays"), lambda r: r[3]["count"]),
        (_("Median (days)"), lambda r: "" if r[3]["median"] is None else r[3]["median"]),
        (_("80th percentile (days)"), lambda r: "" if r[3]["p80"] is None else r[3]["p80"]),
        (_("Slowest stage"), lambda r: _("yes") if r[0] == "company" and r[2]["slowest"] else ""),
    ]


def rep_row(row: RepRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "stages": funnel_row("rep", row.funnel)["stages"] if row.funnel else [],
        "won": row.won,
        "lost": row.lost,
        "win_rate": row.win_rate,
        "won_amount": _money(row.won_amount),
        "average_deal": _money(row.average_deal),
        "activities": row.activities,
        "activities_per_week": row.activities_per_week,
        "cycle_to_cash_days": row.cycle_to_cash,
        "cycle_to_close_days": row.cycle_to_close,
        "dso_days": None if row.dso is None else f"{row.dso:.1f}",
    }


def reps_data(result: RepPerformance) -> dict[str, Any]:
    scope = result.scope
    return {
        "period": {"start": scope.start.isoformat(), "end": scope.end.isoformat()},
        "currency": scope.currency,
        "total": rep_row(result.total),
        "reps": [rep_row(r) for r in result.reps],
        "products": [{"name": p.name, "count": p.count, "amount": _money(p.amount)} for p in result.products],
        "months": [m.isoformat()[:7] for m in result.months],
        "trend": [
            {
                "id": key,
                "name": name,
                "months": [
                    _month(result.trend.get(key, {}).get(m)) | {"month": m.isoformat()[:7]} for m in result.months
                ],
            }
            for key, name in [(None, str(_("Total"))), *[(r.id, r.name) for r in result.reps]]
        ],
    }


def _month(figures: tuple[int, int] | None) -> dict[str, Any]:
    from insights.scope import share

    won, lost = figures or (0, 0)
    return {"won": won, "lost": lost, "win_rate": share(won, won + lost)}


def _stage_count(key: str) -> Any:
    def value(r: dict[str, Any]) -> Any:
        return next((s["count"] for s in r["stages"] if s["key"] == key), "")

    return value


def rep_columns() -> list[tuple[Any, Any]]:
    from insights.funnel import STAGES

    def blank(name: str) -> Any:
        return lambda r: "" if r[name] is None else r[name]

    return [
        (_("Rep"), lambda r: r["name"]),
        *[(label, _stage_count(key)) for key, label in STAGES],
        (_("Won"), lambda r: r["won"]),
        (_("Lost"), lambda r: r["lost"]),
        (_("Win rate (%)"), blank("win_rate")),
        (_("Average deal size"), lambda r: "" if r["average_deal"] is None else Decimal(r["average_deal"])),
        (_("Activities per week"), blank("activities_per_week")),
        (_("Sales cycle to cash (days)"), blank("cycle_to_cash_days")),
        (_("Sales cycle to close (days)"), blank("cycle_to_close_days")),
        (_("DSO (days)"), lambda r: "" if r["dso_days"] is None else Decimal(r["dso_days"])),
    ]
