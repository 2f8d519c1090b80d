"""Every write to contracts: made from the accepted quote, the payment plan, the review checklist, the
approvals in their order, signing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import (
    Approval,
    ApprovalStep,
    Check,
    Contract,
    ContractLine,
    HandoffCheck,
    HandoffItem,
    Installment,
    Milestone,
    NumberSequence,
    Order,
    OrderChange,
    OrderStatus,
    ReviewItem,
    Status,
)
from ltc.access import profile_for
from ltc.audit import acting_as
from ltc.errors import Conflict, DomainError, NotAllowed
from ltc.money import format_money, split_exactly, to_decimal
from opportunities.models import Quote
from opportunities.services import require_seller
from org.models import Role

QUOTE_NOT_ACCEPTED = "quote_not_accepted"
CONTRACT_EXISTS = "contract_exists"
NOT_DRAFT = "contract_signed_use_amendment"
BAD_PLAN = "invalid_payment_plan"
PLAN_OFF = "plan_does_not_add_up"
CHECKLIST_INCOMPLETE = "checklist_incomplete"
NOT_APPROVER = "not_the_approver"
OWN_CONTRACT = "own_contract"
APPROVALS_MISSING = "approvals_missing"
NOTHING_TO_APPROVE = "nothing_to_approve"


def next_number(today: date) -> str:
    """The next contract number by the configured pattern (``CONTRACT_NUMBER_PATTERN``, e.g. HT2026-0001),
    counted per prefix under a row lock: two contracts never share a number."""
    pattern = getattr(settings, "CONTRACT_NUMBER_PATTERN", "HT{year}-{seq:04d}")
    prefix = pattern.split("{seq")[0].format(year=today.year, month=f"{today.month:02d}")
    sequence, _created = NumberSequence.objects.select_for_update().get_or_create(prefix=prefix)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return pattern.format(year=today.year, month=f"{today.month:02d}", seq=sequence.last)


@transaction.atomic
def contract_create_from_quote(*, actor: Any, quote: Quote, title: str = "") -> Contract:
    """A draft contract from the deal's accepted quote: its lines copied (the contract keeps its own), the
    customer, currency and total; the deal's people carried so the same people see it. One per quote."""
    quote = Quote.objects.select_for_update(of=("self",)).select_related("opportunity").get(pk=quote.pk)
    deal = quote.opportunity
    require_seller(actor, deal)
    if quote.status != Quote.Status.ACCEPTED:
        raise DomainError(_("A contract is made from the accepted quote."), code=QUOTE_NOT_ACCEPTED)
    if Contract.objects.filter(quote=quote).exists():
        raise Conflict(_("This quote has its contract already."), code=CONTRACT_EXISTS)
    with acting_as(actor):
        contract = Contract.objects.create(
            number=next_number(timezone.localdate()),
            opportunity=deal,
            quote=quote,
            account_id=deal.account_id,
            title=(title or deal.name).strip()[:200],
            currency=quote.currency,
            total=quote.total,
            owner_id=deal.owner_id,
            team_id=deal.team_id,
            presales_id=deal.presales_id,
            delivery_id=deal.delivery_id,
            created_by=actor if getattr(actor, "pk", None) else None,
            plan_changed_at=timezone.now(),
        )
        ContractLine.objects.bulk_create(
            ContractLine(
                contract=contract,
                position=line.position,
                product_code=line.product.code if line.product else "",
                description=line.description,
                unit=line.unit,
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount_percent=line.discount_percent,
                tax_rate=line.tax_rate,
                total=line.total,
            )
            for line in quote.lines.select_related("product")
        )
    return contract


def _draft(contract: Contract) -> Contract:
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.status != Status.DRAFT:
        raise DomainError(_("A signed contract changes only through an amendment."), code=NOT_DRAFT)
    return contract


def _clean_plan(contract: Contract, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    errors: dict[str, list[str]] = {}
    cleaned = []
    for number, row in enumerate(rows, start=1):
        where = f"installments.{number}"
        milestone = row.get("milestone") or ""
        label = (row.get("label") or "").strip()
        percent = amount = None
        try:
            percent = to_decimal(row["percent"]) if row.get("percent") not in (None, "") else None
            amount = to_decimal(row["amount"]) if row.get("amount") not in (None, "") else None
        except (TypeError, ValueError):
            errors.setdefault(f"{where}.amount", []).append(_("Enter a number."))
        if milestone not in Milestone.values:
            errors.setdefault(f"{where}.milestone", []).append(_("Choose a milestone."))
        if milestone == Milestone.DATE and not row.get("due_on"):
            errors.setdefault(f"{where}.due_on", []).append(_("A date milestone needs its date."))
        if (percent is None) == (amount is None):
            errors.setdefault(f"{where}.amount", []).append(_("Give either an amount or a percent."))
        elif percent is not None and not (0 < percent <= 100):
            errors.setdefault(f"{where}.percent", []).append(_("Between 0 and 100 %."))
        elif amount is not None and amount <= 0:
            errors.setdefault(f"{where}.amount", []).append(_("An installment is more than zero."))
        cleaned.append(
            {
                "label": label or str(Milestone(milestone).label if milestone in Milestone.values else ""),
                "milestone": milestone,
                "due_on": row.get("due_on") or None,
                "due_days": row.get("due_days") if row.get("due_days") not in ("", None) else None,
                "percent": percent,
                "amount": amount,
            }
        )
    if not rows:
        errors["installments"] = [_("A payment plan has at least one installment.")]
    if errors:
        raise DomainError(_("The payment plan is not valid."), code=BAD_PLAN, fields=errors)
    return cleaned


@transaction.atomic
def plan_set(*, actor: Any, contract: Contract, installments: list[dict[str, Any]]) -> Contract:
    """Agree the payment plan (回款计划): installments by milestone with an amount or a percent of the total.
    Percentages resolve to amounts without losing a fen; the plan must add up exactly to the contract total
    (code ``plan_does_not_add_up`` saying by how much it is off). Approvals given before count no more."""
    contract = _draft(contract)
    require_seller(actor, contract.opportunity)
    rows = _clean_plan(contract, installments)
    amounts = split_exactly(
        contract.total, [r["percent"] for r in rows], [r["amount"] for r in rows], contract.currency
    )
    off = sum(amounts, Decimal("0.00")) - contract.total
    if off:
        raise DomainError(
            _("The installments add up to %(sum)s, the contract is %(total)s (%(off)s).")
            % {
                "sum": format_money(contract.total + off, contract.currency),
                "total": format_money(contract.total, contract.currency),
                "off": ("+" if off > 0 else "-") + format_money(abs(off), contract.currency),
            },
            code=PLAN_OFF,
        )
    with acting_as(actor):
        contract.installments.all().delete()
        Installment.objects.bulk_create(
            Installment(contract=contract, position=position, **{**row, "amount": amount})
            for position, (row, amount) in enumerate(zip(rows, amounts, strict=True), start=1)
        )
        contract.plan_changed_at = timezone.now()
        contract.save(update_fields=["plan_changed_at", "updated_at"])
    return contract


@transaction.atomic
def review_tick(*, actor: Any, contract: Contract, item: ReviewItem, done: bool = True, note: str = "") -> None:
    contract = _draft(contract)
    require_seller(actor, contract.opportunity)
    if done:
        Check.objects.update_or_create(contract=contract, item=item, defaults={"by": actor, "note": note.strip()[:200]})
    else:
        Check.objects.filter(contract=contract, item=item).delete()


def checklist_missing(contract: Contract) -> list[ReviewItem]:
    ticked = set(contract.checks.values_list("item_id", flat=True))
    return [item for item in ReviewItem.objects.filter(active=True) if item.pk not in ticked]


def approval_state(contract: Contract) -> tuple[list[ApprovalStep], ApprovalStep | None]:
    """The steps approved since the plan last changed, and the next step waiting (None when all are done)."""
    steps = list(ApprovalStep.objects.filter(active=True))
    approved = set(
        contract.approvals.filter(approved=True, at__gte=contract.plan_changed_at).values_list("step_id", flat=True)
    )
    done: list[ApprovalStep] = []
    for step in steps:
        if step.pk not in approved:
            return done, step
        done.append(step)
    return done, None


def _may_approve(actor: Any, contract: Contract, step: ApprovalStep) -> bool:
    profile = profile_for(actor)
    if profile is None:
        return False
    if step.approver == ApprovalStep.Approver.SALES_MANAGER:
        return Role.MANAGER in profile.roles and contract.owner_id in profile.owner_ids
    if step.approver == ApprovalStep.Approver.FINANCE:
        return Role.FINANCE in profile.roles
    return profile.sees_all


@transaction.atomic
def contract_decide(*, actor: Any, contract: Contract, approve: bool, comment: str = "") -> Approval:
    """The next approval step, in the configured order, by the person it names (never the contract's owner or
    author). Needs the review checklist complete; a refusal is recorded with its comment."""
    contract = _draft(contract)
    if getattr(actor, "pk", None) in (contract.owner_id, contract.created_by_id):
        raise NotAllowed(_("Nobody approves their own contract."), code=OWN_CONTRACT)
    missing = checklist_missing(contract)
    if missing:
        raise DomainError(
            _("Complete the review first: %(items)s.") % {"items": "; ".join(map(str, missing))},
            code=CHECKLIST_INCOMPLETE,
            fields={"checklist": [str(i) for i in missing]},
        )
    _done, step = approval_state(contract)
    if step is None:
        raise DomainError(_("Every approval is given; the contract can be signed."), code=NOTHING_TO_APPROVE)
    if not _may_approve(actor, contract, step):
        raise NotAllowed(_("This step is for: %(who)s.") % {"who": step.get_approver_display()}, code=NOT_APPROVER)
    with acting_as(actor):
        return Approval.objects.create(
            contract=contract, step=step, approved=approve, by=actor, comment=comment.strip()[:300]
        )


@transaction.atomic
def contract_sign(
    *, actor: Any, contract: Contract, signed_on: date, signatory: str, signed_file: Any = None
) -> Contract:
    """Mark the contract signed: the review complete, every approval given since the plan last changed, and a
    payment plan that adds up. Installments due at signing become invoiceable."""
    contract = _draft(contract)
    require_seller(actor, contract.opportunity)
    problems: dict[str, list[str]] = {}
    missing = checklist_missing(contract)
    if missing:
        problems["checklist"] = [str(i) for i in missing]
    _done, waiting = approval_state(contract)
    if waiting is not None:
        problems["approvals"] = [str(waiting)]
    planned = sum((i.amount for i in contract.installments.all()), Decimal("0.00"))
    if planned != contract.total:
        problems["installments"] = [_("The payment plan does not add up to the total.")]
    if not signatory.strip():
        problems["signatory"] = [_("Required.")]
    if problems:
        code = (
            CHECKLIST_INCOMPLETE
            if "checklist" in problems
            else (
                APPROVALS_MISSING if "approvals" in problems else (PLAN_OFF if "installments" in problems else BAD_PLAN)
            )
        )
        raise DomainError(_("The contract cannot be signed yet."), code=code, fields=problems)
    contract.status, contract.signed_on, contract.signatory = Status.SIGNED, signed_on, signatory.strip()[:100]
    if signed_file is not None:
        contract.signed_file = signed_file
    with acting_as(actor):
        contract.save()
        for installment in contract.installments.filter(milestone=Milestone.SIGNING):
            installment.invoiceable = True
            installment.due_on = installment.due_on or signed_on + timedelta(days=installment.due_days or 0)
            installment.save(update_fields=["invoiceable", "due_on"])
        order_create(actor=actor, contract=contract)
    return contract


# --- orders and the hand-off (交接) ------------------------------------------------------------------------

HANDOFF_INCOMPLETE = "handoff_incomplete"
NOT_DELIVERY_LEAD = "not_the_delivery_lead"
WRONG_SIDE = "handoff_item_other_side"
ORDER_MOVE = "invalid_order_transition"
REASON_REQUIRED = "reason_required"

# each fulfilment step and the one it follows
NEXT: dict[str, str] = {
    OrderStatus.ACCEPTED: OrderStatus.AWAITING_HANDOFF,
    OrderStatus.IN_DELIVERY: OrderStatus.ACCEPTED,
    OrderStatus.DELIVERED: OrderStatus.IN_DELIVERY,
    OrderStatus.CUSTOMER_ACCEPTED: OrderStatus.DELIVERED,
}


def order_create(*, actor: Any, contract: Contract) -> Order:
    """The order a signed contract creates, waiting for its hand-off (called inside ``contract_sign``)."""
    order = Order.objects.create(
        contract=contract,
        number=f"{contract.number}-D",
        owner_id=contract.owner_id,
        team_id=contract.team_id,
        presales_id=contract.presales_id,
        delivery_id=contract.delivery_id,
    )
    OrderChange.objects.create(order=order, to_status=OrderStatus.AWAITING_HANDOFF, actor=actor)
    return order


def handoff_missing(order: Order) -> list[HandoffItem]:
    done = set(order.handoff_checks.values_list("item_id", flat=True))
    return [item for item in HandoffItem.objects.filter(active=True) if item.pk not in done]


def _is_delivery(actor: Any, order: Order) -> bool:
    """The order's delivery lead; while none is named, anyone holding the delivery role (who becomes it)."""
    if order.delivery_id is not None:
        return getattr(actor, "pk", None) == order.delivery_id
    profile = profile_for(actor)
    return bool(profile and Role.DELIVERY in profile.roles)


def _locked_order(order: Order) -> Order:
    return Order.objects.select_for_update().select_related("contract", "contract__opportunity").get(pk=order.pk)


@transaction.atomic
def handoff_tick(*, actor: Any, order: Order, item: HandoffItem, done: bool = True, note: str = "") -> None:
    """Sales supplies its documents (the owner or their manager ticks them); the delivery lead confirms theirs."""
    order = _locked_order(order)
    if order.status != OrderStatus.AWAITING_HANDOFF:
        raise DomainError(_("The hand-off is over."), code=ORDER_MOVE)
    if item.side == HandoffItem.Side.SALES:
        require_seller(actor, order.contract.opportunity)
    elif not _is_delivery(actor, order):
        raise NotAllowed(_("The delivery lead confirms this."), code=WRONG_SIDE)
    with acting_as(actor):
        if done:
            HandoffCheck.objects.update_or_create(
                order=order, item=item, defaults={"by": actor, "note": note.strip()[:200]}
            )
        else:
            HandoffCheck.objects.filter(order=order, item=item).delete()


def _step(order: Order, to: str, actor: Any, note: str = "") -> None:
    if NEXT.get(to) != order.status:
        raise DomainError(
            _("An order that is %(status)s cannot become %(target)s.")
            % {"status": OrderStatus(order.status).label, "target": OrderStatus(to).label},
            code=ORDER_MOVE,
        )
    OrderChange.objects.create(order=order, from_status=order.status, to_status=to, actor=actor, note=note)
    order.status = to


def _milestone_reached(order: Order, milestone: str, on: date) -> None:
    """Installments tied to a milestone become invoiceable, their due date set from their rule."""
    for installment in order.contract.installments.filter(milestone=milestone, invoiceable=False):
        installment.invoiceable = True
        if installment.due_on is None:
            installment.due_on = on + timedelta(days=installment.due_days or 0)
        installment.save(update_fields=["invoiceable", "due_on"])


@transaction.atomic
def order_accept(*, actor: Any, order: Order) -> Order:
    """Delivery takes the order, only with the whole hand-off package (code ``handoff_incomplete`` listing
    what is missing)."""
    order = _locked_order(order)
    if not _is_delivery(actor, order):
        raise NotAllowed(_("Only the order's delivery lead takes it."), code=NOT_DELIVERY_LEAD)
    missing = handoff_missing(order)
    if missing:
        raise DomainError(
            _("The hand-off is not complete: %(items)s.") % {"items": "; ".join(map(str, missing))},
            code=HANDOFF_INCOMPLETE,
            fields={"handoff": [str(i) for i in missing]},
        )
    with acting_as(actor):
        _step(order, OrderStatus.ACCEPTED, actor)
        order.delivery, order.accepted_at, order.returned_reason = order.delivery or actor, timezone.now(), ""
        order.save()
    return order


@transaction.atomic
def order_send_back(*, actor: Any, order: Order, reason: str) -> Order:
    """Delivery sends the hand-off back to sales with its reasons (nothing is thrown over the wall)."""
    order = _locked_order(order)
    if not _is_delivery(actor, order):
        raise NotAllowed(_("Only the order's delivery lead sends it back."), code=NOT_DELIVERY_LEAD)
    if order.status != OrderStatus.AWAITING_HANDOFF:
        raise DomainError(_("The order was taken already."), code=ORDER_MOVE)
    if not reason.strip():
        raise DomainError(_("Say what is missing."), code=REASON_REQUIRED, fields={"reason": [_("Required.")]})
    with acting_as(actor):
        OrderChange.objects.create(
            order=order, from_status=order.status, to_status=order.status, actor=actor, note=reason.strip()[:300]
        )
        order.returned_reason = reason.strip()[:300]
        order.save(update_fields=["returned_reason", "updated_at"])
    return order


@transaction.atomic
def order_progress(*, actor: Any, order: Order, to: str, on: date | None = None, proof: Any = None) -> Order:
    """The delivery lead moves the order on: in delivery, delivered (delivery installments become invoiceable),
    accepted by the customer (验收, with its date and proof; acceptance installments become invoiceable)."""
    order = _locked_order(order)
    if not _is_delivery(actor, order):
        raise NotAllowed(_("Only the order's delivery lead moves it."), code=NOT_DELIVERY_LEAD)
    if to not in (OrderStatus.IN_DELIVERY, OrderStatus.DELIVERED, OrderStatus.CUSTOMER_ACCEPTED):
        raise DomainError(_("Not a fulfilment step."), code=ORDER_MOVE)
    day = on or timezone.localdate()
    with acting_as(actor):
        _step(order, to, actor)
        if to == OrderStatus.DELIVERED:
            order.delivered_on = day
            _milestone_reached(order, Milestone.DELIVERY, day)
        elif to == OrderStatus.CUSTOMER_ACCEPTED:
            order.customer_accepted_on = day
            if proof is not None:
                order.acceptance_proof = proof
            _milestone_reached(order, Milestone.ACCEPTANCE, day)
        order.save()
    return order
