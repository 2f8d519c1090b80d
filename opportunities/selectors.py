"""Every read of opportunities, narrowed to what the reader may see; and what a converting lead matches."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from customers.models import Account, Contact
from customers.normalise import text_key
from customers.selectors import account_list_visible_to, contact_list_visible_to
from leads.models import Lead
from ltc.access import visible
from opportunities.models import OPPORTUNITY_VISIBILITY, Opportunity


def opportunity_list_visible_to(*, user: Any, filters: Any = None) -> QuerySet[Opportunity]:
    """Deals the user may see (owner, managers, the iron triangle), newest first, narrowed by the list's filters
    (opportunities.filters); invalid filter values are ignored, never widening the scope."""
    qs = visible(
        Opportunity.objects.select_related("account", "owner", "source", "campaign"), user, OPPORTUNITY_VISIBILITY
    )
    qs = qs.order_by("-created_at", "-pk")
    if filters:
        from opportunities.filters import OpportunityFilter

        filterset = OpportunityFilter(filters, queryset=qs)
        if filterset.is_valid():
            qs = filterset.qs
    return qs


def opportunity_get_for_user(*, user: Any, pk: int) -> Opportunity:
    return get_object_or_404(opportunity_list_visible_to(user=user).select_related("contact", "source_lead"), pk=pk)


@dataclass
class ConversionMatches:
    """What a lead about to be converted seems to be already: accounts and contacts the user may see, and
    whether an account of the same name exists that the user may not see (then a new one would repeat it)."""

    accounts: list[Account]
    contacts: list[Contact]
    hidden_account: Account | None


def conversion_matches(*, user: Any, lead: Lead) -> ConversionMatches:
    name_key = text_key(lead.company) if lead.company else ""
    accounts = list(account_list_visible_to(user=user).filter(name_key=name_key)[:5]) if name_key else []
    hidden = None
    if name_key and not accounts:
        hidden = Account.objects.select_related("owner").filter(name_key=name_key).order_by("pk").first()
    same_person = Q(pk=-1)
    if lead.phone_key:
        same_person |= Q(phone_key=lead.phone_key)
    if lead.email_key:
        same_person |= Q(email_key=lead.email_key)
    if accounts:
        same_person |= Q(account__in=accounts, name_key=text_key(lead.name))
    if lead.duplicate_contact_id:
        same_person |= Q(pk=lead.duplicate_contact_id)
    contacts = list(contact_list_visible_to(user=user).filter(same_person)[:5])
    return ConversionMatches(accounts=accounts, contacts=contacts, hidden_account=hidden)


@dataclass(frozen=True)
class StageTime:
    stage: Any
    seconds: float
    visits: int  # how many times the deal entered it (a deal may go back a stage)


def stage_times(opportunity: Opportunity, now: Any = None) -> list[StageTime]:
    """Time the deal spent in each stage, from its stage history: each stay runs from its entry to the next
    change (or to now while it is still there; a closing stage counts no time). Stages in pipeline order."""
    from django.utils import timezone

    now = now or timezone.now()
    changes = list(opportunity.stage_changes.select_related("to_stage").order_by("at", "pk"))
    totals: dict[int, list[Any]] = {}
    for index, change in enumerate(changes):
        stage = change.to_stage
        if index + 1 < len(changes):
            until = changes[index + 1].at
        elif stage.category == "open":
            until = now
        else:
            until = change.at
        entry = totals.setdefault(stage.pk, [stage, 0.0, 0])
        entry[1] += (until - change.at).total_seconds()
        entry[2] += 1
    ordered = sorted(totals.values(), key=lambda e: e[0].order)
    return [StageTime(stage=s, seconds=seconds, visits=visits) for s, seconds, visits in ordered]


BOARD_CARDS = 30


@dataclass
class Column:
    stage: Any
    count: int
    total_cny: Any
    cards: list[Any]
    # filled by the board page: the stages a card may move to, the heading and the total as shown
    targets: list[tuple[int, str]] = field(default_factory=list)
    label: str = ""
    total_text: str = ""


def board_columns(*, user: Any, pipeline: Any, filters: Any = None) -> list[Column]:
    """The board: one column per stage with its count, its total in CNY and the newest cards. Closed columns
    (won, lost) show the deals closed in the last 30 days."""
    from datetime import timedelta

    from django.db.models import Count, Sum
    from django.utils import timezone

    deals = opportunity_list_visible_to(user=user).filter(pipeline=pipeline)
    if filters:
        deals = filters(deals)
    recent = timezone.now() - timedelta(days=30)
    deals = deals.filter(Q(closed_at__isnull=True) | Q(closed_at__gte=recent))
    figures = {
        row["stage"]: row
        for row in deals.order_by()
        .values("stage")
        .annotate(count=Count("pk"), total=Sum("amount", filter=Q(currency="CNY")))
    }
    columns = []
    for stage in pipeline.stages.order_by("order"):
        cards = list(
            deals.filter(stage=stage)
            .select_related("account", "owner")
            .order_by("-stage_entered_at", "-pk")[:BOARD_CARDS]
        )
        count, total = (figures[stage.pk]["count"], figures[stage.pk]["total"]) if stage.pk in figures else (0, 0)
        columns.append(Column(stage, count, total or 0, cards))
    return columns


def quote_get_for_user(*, user: Any, pk: int) -> Any:
    """A quote of a deal the user may see; 404 otherwise."""
    from opportunities.models import Quote

    deals = opportunity_list_visible_to(user=user)
    return get_object_or_404(Quote.objects.select_related("opportunity", "opportunity__account"), pk=pk,
                             opportunity__in=deals)  # fmt: skip


def stage_time_averages(*, user: Any, pipeline: Any, now: Any = None) -> dict[int, float]:
    """Average days a stay in each stage lasts, over the deals the user may see: each stay from its entry to
    the next change (to now while the deal is still there); closing stages count no time. By stage id."""
    from django.db.models import F, Window
    from django.db.models.functions import Lead
    from django.utils import timezone

    from opportunities.models import StageChange

    now = now or timezone.now()
    deals = opportunity_list_visible_to(user=user).filter(pipeline=pipeline).values("pk")
    stays = (
        StageChange.objects.filter(opportunity__in=deals)
        .annotate(left=Window(Lead("at"), partition_by=[F("opportunity_id")], order_by=[F("at").asc(), F("pk").asc()]))
        .filter(to_stage__category="open")
    )
    # a window cannot be aggregated in the same query: average over the stays as a subquery
    from django.db import connection

    sql, params = stays.values("to_stage_id", "at", "left").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT to_stage_id, AVG(EXTRACT(EPOCH FROM (COALESCE("left", %s) - at))) / 86400 FROM ({sql}) s'  # noqa: S608
            " GROUP BY to_stage_id",
            [now, *params],
        )
        return {stage: float(days) for stage, days in cursor.fetchall()}
