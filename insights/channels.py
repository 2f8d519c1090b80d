"""Channel and campaign value: what each lead source and campaign brought, and what it cost.

Definitions (said on the page and in the API). The leads are those created in the period that the reader sees
(narrowed by the filters), each under its source and campaign; they are followed up to today:

- **quality**: the share of those leads that became a deal, that were won, that brought cash (money on a
  contract of their deal, net of reversals);
- **cost**: the costs of the campaigns that brought leads in the period or ran in it (their dates overlap it), in
  the chosen currency; a source's cost is its campaigns'; leads without a campaign cost nothing;
- **cost per lead**: cost ÷ leads; **CAC**: cost ÷ the customers (accounts) with cash from those leads;
- **cash collected**: that money, in the chosen currency; **return**: cash ÷ cost.

A division by zero is None (shown as "—"). Money is Decimal throughout.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.utils.translation import gettext_lazy as _

from insights.funnel import leads_of, won_condition
from insights.scope import Scope, share
from leads.models import Campaign, Source
from opportunities.selectors import opportunity_list_visible_to
from receivables.models import ZERO, Allocation, Invoice
from receivables.selectors import invoice_list_visible_to

CENT = Decimal("0.01")


@dataclass
class ChannelRow:
    level: str  # "source" or "campaign"
    id: int
    name: str
    source: str  # the campaign's source; the source's own name for a source
    leads: int = 0
    deals: int = 0
    won: int = 0
    paid: int = 0  # leads that brought cash
    customers: int = 0  # accounts with cash
    cost: Decimal = ZERO
    cash: Decimal = ZERO
    campaigns: list[ChannelRow] = field(default_factory=list)

    @property
    def deal_rate(self) -> float | None:
        return share(self.deals, self.leads)

    @property
    def won_rate(self) -> float | None:
        return share(self.won, self.leads)

    @property
    def cash_rate(self) -> float | None:
        return share(self.paid, self.leads)

    @property
    def cost_per_lead(self) -> Decimal | None:
        return ratio(self.cost, self.leads, CENT)

    @property
    def cac(self) -> Decimal | None:
        return ratio(self.cost, self.customers, CENT)

    @property
    def roi(self) -> Decimal | None:
        """Cash ÷ cost, to two places (2.50 means ¥2.50 in for each ¥1 spent)."""
        return ratio(self.cash, self.cost, CENT)


def ratio(part: Decimal, whole: Decimal | int, places: Decimal) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(places, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ChannelValue:
    scope: Scope
    sources: list[ChannelRow]
    total: ChannelRow


Key = tuple[int, int | None]  # (source id, campaign id)


def channel_value(scope: Scope) -> ChannelValue:
    """Per source, and per campaign within it, the figures above. Five queries and the names."""
    leads = leads_of(scope)
    deals = opportunity_list_visible_to(user=scope.user).filter(source_lead=OuterRef("pk"))
    counts = (
        leads.annotate(has_deal=Exists(deals), has_won=Exists(deals.filter(won_condition())))
        .values("source_id", "campaign_id")
        .annotate(
            n=Count("pk"),
            d=Count("pk", filter=Q(has_deal=True)),
            w=Count("pk", filter=Q(has_won=True)),
        )
        .order_by()
    )
    figures: dict[Key, dict[str, Any]] = defaultdict(dict)
    for row in cast(Iterable[dict[str, Any]], counts):
        figures[(row["source_id"], row["campaign_id"])].update(leads=row["n"], deals=row["d"], won=row["w"])

    # the money on the contracts of those leads' deals, per lead and customer (net of reversals)
    invoices = invoice_list_visible_to(user=scope.user).filter(kind=Invoice.Kind.INVOICE, contract__isnull=False)
    lead_path = "invoice__contract__opportunity__source_lead"
    money = (
        Allocation.objects.filter(invoice__in=invoices.values("pk"), **{f"{lead_path}__in": leads.values("pk")})
        .values(
            s=F(f"{lead_path}__source_id"),
            c=F(f"{lead_path}__campaign_id"),
            lead=F(lead_path),
            account=F("invoice__contract__account_id"),
            cur=F("invoice__currency"),
        )
        .annotate(a=Sum("amount"))
        .order_by()
    )
    paid: dict[Key, set[int]] = defaultdict(set)
    customers: dict[Key, set[int]] = defaultdict(set)
    cash: dict[Key, Decimal] = defaultdict(lambda: ZERO)
    for row in cast(Iterable[dict[str, Any]], money):
        key = (row["s"], row["c"])
        if row["cur"] == scope.currency:
            cash[key] += row["a"]
        if row["a"] > 0:
            paid[key].add(row["lead"])
            customers[key].add(row["account"])

    # campaigns that brought leads, or ran in the period
    ran = Q(starts_on__lte=scope.end) | Q(starts_on__isnull=True)
    ran &= Q(ends_on__gte=scope.start) | Q(ends_on__isnull=True)
    ran &= Q(starts_on__isnull=False) | Q(ends_on__isnull=False)
    brought = [c for (_s, c) in figures if c is not None]
    campaign_qs = Campaign.objects.filter(Q(pk__in=brought) | ran)
    if scope.source:
        campaign_qs = campaign_qs.filter(source_id=scope.source)
    if scope.campaign:
        campaign_qs = campaign_qs.filter(pk=scope.campaign)
    campaigns = {c.pk: c for c in campaign_qs}
    source_ids = {s for (s, _c) in figures} | {c.source_id for c in campaigns.values()}
    sources = {s.pk: s for s in Source.objects.filter(pk__in=source_ids)}

    def fill(row: ChannelRow, key: Key) -> None:
        f = figures.get(key, {})
        row.leads += f.get("leads", 0)
        row.deals += f.get("deals", 0)
        row.won += f.get("won", 0)
        row.paid += len(paid.get(key, ()))
        row.cash += cash.get(key, ZERO)

    out: list[ChannelRow] = []
    total = ChannelRow("total", 0, str(_("Total")), "")
    total_customers: set[int] = set()
    for source_id, source in sorted(sources.items(), key=lambda kv: (str(kv[1]), kv[0])):
        entry = ChannelRow("source", source_id, str(source), str(source))
        source_customers: set[int] = set()
        keys: list[Key] = [(source_id, None)]
        keys += [(source_id, c.pk) for c in campaigns.values() if c.source_id == source_id]
        keys += [k for k in figures if k[0] == source_id and k[1] is not None and k[1] not in campaigns]
        for key in keys:
            fill(entry, key)
            source_customers |= customers.get(key, set())
            if key[1] is None:
                continue
            campaign = campaigns.get(key[1])
            sub = ChannelRow("campaign", key[1], str(campaign) if campaign else "", str(source))
            fill(sub, key)
            sub.customers = len(customers.get(key, set()))
            if campaign is not None and campaign.currency == scope.currency:
                sub.cost = campaign.cost
            entry.cost += sub.cost
            entry.campaigns.append(sub)
        entry.campaigns.sort(key=lambda r: (r.name, r.id))
        entry.customers = len(source_customers)
        total_customers |= source_customers
        for name in ("leads", "deals", "won", "paid"):
            setattr(total, name, getattr(total, name) + getattr(entry, name))
        total.cost += entry.cost
        total.cash += entry.cash
        out.append(entry)
    total.customers = len(total_customers)
    return ChannelValue(scope=scope, sources=out, total=total)


__all__ = ["ChannelRow", "ChannelValue", "channel_value"]
