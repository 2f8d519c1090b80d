"""Quality gates (质量门控): what must be true to enter a stage, checked for one deal.

A requirement is verified by the system where it can be (a decision maker among the account's contacts, a
solution lead on the deal, a quote sent…) and ticked by a person otherwise. Mandatory requirements refuse
the move when unmet; guidance ones may be passed by with a note. A requirement may apply only to some
customer segments (company sizes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from customers.models import BuyingRole, Contact
from opportunities.models import Category, Check, Opportunity, Quote, Requirement, Stage

# Other apps add what they can verify (the quotes: "quote_sent", "quote_accepted"), keyed by Check value.
VERIFIERS: dict[str, Callable[[Opportunity], bool]] = {
    Check.DECISION_MAKER: lambda o: Contact.objects.filter(
        account_id=o.account_id, role=BuyingRole.DECISION_MAKER
    ).exists(),
    Check.PRESALES: lambda o: o.presales_id is not None,
    Check.DELIVERY: lambda o: o.delivery_id is not None,
    Check.AMOUNT: lambda o: o.amount > 0,
    Check.CLOSE_DATE: lambda o: o.expected_close_date is not None,
    Check.QUOTE_SENT: lambda o: o.quotes.filter(status__in=[Quote.Status.SENT, Quote.Status.ACCEPTED]).exists(),
    Check.QUOTE_ACCEPTED: lambda o: o.quotes.filter(status=Quote.Status.ACCEPTED).exists(),
}


def register_verifier(check: str, verify: Callable[[Opportunity], bool]) -> None:
    VERIFIERS[check] = verify


@dataclass(frozen=True)
class Item:
    """One line of a gate's checklist for one deal."""

    requirement: Requirement
    met: bool
    verified: bool  # True when the system checked it; False when a person ticks it

    @property
    def mandatory(self) -> bool:
        return self.requirement.kind == Requirement.Kind.MANDATORY


def applies(requirement: Requirement, opportunity: Opportunity) -> bool:
    return not requirement.segments or opportunity.account.size in requirement.segments


def checklist(opportunity: Opportunity, stage: Stage) -> list[Item]:
    """Every requirement of ``stage`` that applies to this deal, with whether it is met now."""
    ticked = set(opportunity.ticks.values_list("requirement_id", flat=True))
    items = []
    for requirement in stage.requirements.all():
        if not applies(requirement, opportunity):
            continue
        if requirement.verified_by == Check.MANUAL:
            items.append(Item(requirement, requirement.pk in ticked, verified=False))
        else:
            verify = VERIFIERS.get(requirement.verified_by)
            items.append(Item(requirement, bool(verify and verify(opportunity)), verified=True))
    return items


def missing(items: list[Item], *, mandatory: bool) -> list[Item]:
    return [item for item in items if not item.met and item.mandatory == mandatory]


def describe(items: list[Item]) -> list[str]:
    return [str(item.requirement) for item in items]


def gates_between(opportunity: Opportunity, target: Stage) -> list[Stage]:
    """The stages whose gates a move to ``target`` passes: every stage after the current one up to the target,
    so that skipping a stage does not skip its gate. Moving back, or to a lost stage, passes no gate."""
    current = opportunity.stage
    if target.category == Category.LOST or (current is not None and target.order <= current.order):
        return []
    return list(
        Stage.objects.filter(
            pipeline_id=target.pipeline_id, order__gt=current.order if current else 0, order__lte=target.order
        )
        .exclude(category=Category.LOST)
        .prefetch_related("requirements")
        .order_by("order")
    )
