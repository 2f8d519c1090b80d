"""Leakage (漏损): what stopped after a stage of the funnel — the stage's records, in the same scope, period and
mode as the funnel, that have not reached the next stage (as of today), summed by reason and listed."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contracts.models import Contract, Order, OrderStatus
from contracts.models import Status as ContractStatus
from insights.funnel import (
    ACCEPTED,
    LEADS,
    OPPORTUNITIES,
    SIGNED,
    SIGNED_STATUSES,
    STAGES,
    WON,
    accepted_of,
    leads_of,
    opportunities_of,
    signed_of,
    won_condition,
    won_of,
)
from insights.scope import Scope
from leads.models import Status as LeadStatus
from opportunities.models import Category
from receivables.models import Allocation

LEAKAGE_HOPS = (LEADS, OPPORTUNITIES, WON, SIGNED, ACCEPTED)
HOP_TITLES = {
    LEADS: gettext_lazy("Leads not converted to an opportunity"),
    OPPORTUNITIES: gettext_lazy("Opportunities not won"),
    WON: gettext_lazy("Won deals without a signed contract"),
    SIGNED: gettext_lazy("Signed contracts whose order the customer has not accepted"),
    ACCEPTED: gettext_lazy("Orders accepted by the customer without cash collected"),
}


@dataclass(frozen=True)
class Leak:
    url: str
    name: str
    owner: str
    reason: str
    when: Any


@dataclass(frozen=True)
class Leakage:
    stage: str
    title: Any
    next_label: Any
    count: int
    reasons: list[tuple[str, int]]
    records: list[Leak]


def _stopped(scope: Scope, stage: str) -> QuerySet[Any]:
    if stage == LEADS:
        return leads_of(scope).filter(opportunity__isnull=True).select_related("owner").order_by("-created_at")
    if stage == OPPORTUNITIES:
        return (
            opportunities_of(scope)
            .exclude(won_condition())
            .select_related("owner", "stage", "lost_reason", "account")
            .order_by("-created_at")
        )
    if stage == WON:
        signed = Contract.objects.filter(opportunity_id=OuterRef("pk"), status__in=SIGNED_STATUSES)
        drafts = Contract.objects.filter(opportunity_id=OuterRef("pk"), status=ContractStatus.DRAFT)
        return (
            won_of(scope)
            .exclude(Exists(signed))
            .annotate(has_draft=Exists(drafts))
            .select_related("owner", "account")
            .order_by("-created_at")
        )
    if stage == SIGNED:
        accepted = Order.objects.filter(contract_id=OuterRef("pk"), customer_accepted_on__isnull=False)
        return (
            signed_of(scope)
            .exclude(Exists(accepted))
            .select_related("owner", "order", "account")
            .order_by("-signed_on", "-pk")
        )
    paid = Allocation.objects.filter(invoice__contract_id=OuterRef("contract_id"), amount__gt=0)
    return (
        accepted_of(scope)
        .exclude(Exists(paid))
        .select_related("owner", "contract", "contract__account")
        .order_by("-customer_accepted_on", "-pk")
    )


def _leak(stage: str, record: Any) -> Leak:
    if stage == LEADS:
        if record.status == LeadStatus.DISQUALIFIED:
            reason = _("Disqualified: %(reason)s") % {"reason": record.disqualify_reason}
        else:
            reason = _("Still open (%(status)s)") % {"status": LeadStatus(record.status).label}
        return Leak(record.get_absolute_url(), str(record), str(record.owner or ""), reason, record.created_at)
    if stage == OPPORTUNITIES:
        if record.stage and record.stage.category == Category.LOST:
            reason = _("Lost: %(reason)s") % {"reason": record.lost_reason or _("no reason")}
            if record.competitor:
                reason += f" ({record.competitor})"
        else:
            reason = _("Still open (%(stage)s)") % {"stage": record.stage or "—"}
        return Leak(record.get_absolute_url(), str(record), str(record.owner), reason, record.created_at)
    if stage == WON:
        reason = _("Contract drafted, not signed") if record.has_draft else _("No contract yet")
        return Leak(record.get_absolute_url(), str(record), str(record.owner), reason, record.created_at)
    if stage == SIGNED:
        order = getattr(record, "order", None)
        if record.status == ContractStatus.TERMINATED:
            reason = _("Contract terminated")
        elif order is None:
            reason = _("No order")
        else:
            reason = _("Order: %(status)s") % {"status": OrderStatus(order.status).label}
        return Leak(record.get_absolute_url(), str(record), str(record.owner), reason, record.signed_on)
    when = record.customer_accepted_on
    return Leak(record.get_absolute_url(), str(record), str(record.owner), _("No cash yet"), when)


def leakage_of(scope: Scope, stage: str, *, limit: int) -> Leakage:
    """The records that stopped after ``stage``: how many, the reasons over all of them, the first ``limit``
    listed (newest first). Three queries."""
    qs = _stopped(scope, stage)
    count = qs.count()
    records = [_leak(stage, r) for r in qs[:limit]]
    if count <= limit:
        reasons = Counter(r.reason for r in records)
    else:  # the reasons over every record, not only those listed
        reasons = Counter(_leak(stage, r).reason for r in qs.iterator(chunk_size=2000))
    labels = dict(STAGES)
    following = STAGES[[k for k, _l in STAGES].index(stage) + 1][0]
    return Leakage(
        stage=stage,
        title=HOP_TITLES[stage],
        next_label=labels[following],
        count=count,
        reasons=sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])),
        records=records,
    )
