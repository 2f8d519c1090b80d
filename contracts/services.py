"""Every write to contracts: made from the accepted quote, the payment plan, the review checklist, the
approvals in their order, signing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import (
    Amendment,
    Approval,
    ApprovalStep,
    Check,
    Contract,
    ContractLine,
    ContractVersion,
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
from ltc.money import format_money, line_amounts, split_exactly, sum_lines, to_decimal
from opportunities.models import Quote
from opportunities.services import clean_lines, require_seller
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


def next_number(today: date, pattern: str | None = None) -> str:
    """The next number by a pattern (by default ``CONTRACT_NUMBER_PATTERN``, e.g. HT2026-0001), counted per
    prefix under a row lock: two documents never share a number."""
    pattern = str(pattern or getattr(settings, "CONTRACT_NUMBER_PATTERN", "HT{year}-{seq:04d}"))
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


def _resolve(rows: list[dict[str, Any]], total: Decimal, currency: str) -> list[Decimal]:
    """The plan's amounts to the fen; refused (``plan_does_not_add_up``, saying by how much) unless they make
    exactly ``total``."""
    amounts = split_exactly(total, [r["percent"] for r in rows], [r["amount"] for r in rows], currency)
    off = sum(amounts, Decimal("0.00")) - total
    if off:
        raise DomainError(
            _("The installments add up to %(sum)s, the contract is %(total)s (%(off)s).")
            % {
                "sum": format_money(total + off, currency),
                "total": format_money(total, currency),
                "off": ("+" if off > 0 else "-") + format_money(abs(off), currency),
            },
            code=PLAN_OFF,
        )
    return amounts


@transaction.atomic
def plan_set(*, actor: Any, contract: Contract, installments: list[dict[str, Any]]) -> Contract:
    """Agree the payment plan (回款计划): installments by milestone with an amount or a percent of the total.
    Percentages resolve to amounts without losing a fen; the plan must add up exactly to the contract total
    (code ``plan_does_not_add_up`` saying by how much it is off). Approvals given before count no more."""
    contract = _draft(contract)
    require_seller(actor, contract.opportunity)
    rows = _clean_plan(contract, installments)
    amounts = _resolve(rows, contract.total, contract.currency)
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
    return _steps_state(
        contract.approvals.filter(amendment__isnull=True, approved=True, at__gte=contract.plan_changed_at)
    )


def _steps_state(approvals: Any) -> tuple[list[ApprovalStep], ApprovalStep | None]:
    steps = list(ApprovalStep.objects.filter(active=True))
    approved = set(approvals.values_list("step_id", flat=True))
    done: list[ApprovalStep] = []
    for step in steps:
        if step.pk not in approved:
            return done, step
        done.append(step)
    return done, None


def may_approve(actor: Any, contract: Contract, step: ApprovalStep) -> bool:
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
    if not may_approve(actor, contract, step):
        raise NotAllowed(_("This step is for: %(who)s.") % {"who": step.get_approver_display()}, code=NOT_APPROVER)
    with acting_as(actor):
        return Approval.objects.create(
            contract=contract, step=step, approved=approve, by=actor, comment=comment.strip()[:300]
        )


@transaction.atomic
def contract_sign(
    *,
    actor: Any,
    contract: Contract,
    signed_on: date,
    signatory: str,
    signed_file: Any = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> Contract:
    """Mark the contract signed: the review complete, every approval given since the plan last changed, and a
    payment plan that adds up; signed today or before, with its term (starting on signing unless given).
    Installments due at signing, and those on a date already reached, become invoiceable."""
    contract = _draft(contract)
    require_seller(actor, contract.opportunity)
    problems: dict[str, list[str]] = {}
    if signed_on > timezone.localdate():
        problems["signed_on"] = [_("A contract is marked signed once it is.")]
    starts_on = starts_on or contract.starts_on or signed_on
    ends_on = ends_on or contract.ends_on
    if ends_on is not None and ends_on < starts_on:
        problems["ends_on"] = [_("The end comes after the start.")]
    missing = checklist_missing(contract)
    if missing:
        problems["checklist"] = [str(i) for i in missing]
    approved, waiting = approval_state(contract)
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
        why = []
        if missing:
            why.append(_("review not confirmed: %(items)s") % {"items": ", ".join(map(str, missing))})
        if waiting is not None:
            steps = ApprovalStep.objects.filter(active=True).exclude(pk__in=[step.pk for step in approved])
            why.append(_("approvals waiting: %(steps)s") % {"steps": ", ".join(map(str, steps))})
        if "installments" in problems:
            why.append(_("the payment plan does not add up to the total"))
        if "signatory" in problems:
            why.append(_("who signed for the customer"))
        if "signed_on" in problems:
            why.append(_("the signing date is in the future"))
        if "ends_on" in problems:
            why.append(_("the end comes before the start"))
        raise DomainError(
            _("The contract cannot be signed yet: %(why)s.") % {"why": "; ".join(why)}, code=code, fields=problems
        )
    contract.status, contract.signed_on, contract.signatory = Status.SIGNED, signed_on, signatory.strip()[:100]
    contract.starts_on, contract.ends_on = starts_on, ends_on
    if signed_file is not None:
        contract.signed_file = signed_file
    with acting_as(actor):
        contract.save()
        for installment in contract.installments.filter(milestone=Milestone.SIGNING):
            installment.invoiceable = True
            installment.due_on = installment.due_on or signed_on + timedelta(days=installment.due_days or 0)
            installment.save(update_fields=["invoiceable", "due_on"])
        _dates_reached(contract, timezone.localdate())
        version_record(contract=contract, actor=actor)
        order_create(actor=actor, contract=contract)
    return contract


def _line_snapshot(line: ContractLine) -> dict[str, Any]:
    return {
        "product_code": line.product_code,
        "description": line.description,
        "unit": line.unit,
        "quantity": str(line.quantity),
        "unit_price": str(line.unit_price),
        "discount_percent": str(line.discount_percent),
        "tax_rate": str(line.tax_rate),
        "total": str(line.total),
    }


def _installment_snapshot(installment: Installment) -> dict[str, Any]:
    return {
        "id": installment.pk,
        "label": installment.label,
        "milestone": installment.milestone,
        "due_on": installment.due_on.isoformat() if installment.due_on else None,
        "due_days": installment.due_days,
        "percent": None if installment.percent is None else str(installment.percent),
        "amount": str(installment.amount),
        "invoiceable": installment.invoiceable,
    }


def version_record(*, contract: Contract, actor: Any, amendment: Amendment | None = None) -> ContractVersion:
    """Freeze what the contract says now as its current version (1 at signing, then one per amendment)."""
    return ContractVersion.objects.create(
        contract=contract,
        version=contract.version,
        amendment=amendment,
        total=contract.total,
        starts_on=contract.starts_on,
        ends_on=contract.ends_on,
        lines=[_line_snapshot(line) for line in contract.lines.all()],
        installments=[_installment_snapshot(i) for i in contract.installments.all()],
        created_by=actor if getattr(actor, "pk", None) else None,
    )


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


def _dates_reached(contract: Contract, today: date) -> int:
    """Installments on a date become invoiceable when it comes (their due date is that date)."""
    due = contract.installments.filter(milestone=Milestone.DATE, invoiceable=False, cancelled=False, due_on__lte=today)
    return due.update(invoiceable=True)


@transaction.atomic
def installments_dates_reached(*, today: date) -> int:
    """The nightly run: on signed contracts, installments whose date has come become invoiceable (idempotent: a
    re-run finds none)."""
    count = 0
    for contract in Contract.objects.filter(
        status=Status.SIGNED,
        installments__milestone=Milestone.DATE,
        installments__invoiceable=False,
        installments__cancelled=False,
        installments__due_on__lte=today,
    ).distinct():
        count += _dates_reached(contract, today)
    return count


def _milestone_reached(contract: Contract, milestone: str, on: date) -> None:
    """Installments tied to a milestone become invoiceable, their due date set from their rule."""
    for installment in contract.installments.filter(milestone=milestone, invoiceable=False, cancelled=False):
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
    earliest = order.delivered_on if to == OrderStatus.CUSTOMER_ACCEPTED else order.contract.signed_on
    if earliest is not None and day < earliest:
        raise DomainError(
            _("The date must be on or after %(earliest)s.") % {"earliest": earliest},
            code=BAD_DATE,
            fields={"on": [_("Out of range.")]},
        )
    with acting_as(actor):
        _step(order, to, actor)
        if to == OrderStatus.DELIVERED:
            order.delivered_on = day
            _milestone_reached(order.contract, Milestone.DELIVERY, day)
        elif to == OrderStatus.CUSTOMER_ACCEPTED:
            order.customer_accepted_on = day
            if proof is not None:
                order.acceptance_proof = proof
            _milestone_reached(order.contract, Milestone.ACCEPTANCE, day)
        order.save()
        if to == OrderStatus.CUSTOMER_ACCEPTED:
            contract_complete_if_done(contract=order.contract)
    return order


# --- amendments, termination, completion --------------------------------------------------------------------

NOT_SIGNED = "contract_not_signed"
CONTRACT_ENDED = "contract_ended"
AMENDMENT_PENDING = "amendment_pending"
AMENDMENT_DECIDED = "amendment_not_pending"
CHANGES_NOTHING = "amendment_changes_nothing"
INVOICEABLE_LOCKED = "installment_already_invoiceable"
BAD_DATE = "invalid_date"
_KEEP = object()


def _signed(contract: Contract) -> Contract:
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.status == Status.DRAFT:
        raise DomainError(_("A draft contract is edited directly; amendments are for signed ones."), code=NOT_SIGNED)
    if contract.status != Status.SIGNED:
        raise DomainError(
            _("This contract has ended (%(status)s).") % {"status": Status(contract.status).label}, code=CONTRACT_ENDED
        )
    return contract


def _new_request(*, actor: Any, contract: Contract, reason: str) -> int:
    """Checks common to an amendment and a termination; the number the request will take."""
    require_seller(actor, contract.opportunity)
    if not reason.strip():
        raise DomainError(_("Say why."), code=REASON_REQUIRED, fields={"reason": [_("Required.")]})
    pending = contract.amendments.filter(state=Amendment.State.PENDING).first()
    if pending is not None:
        raise Conflict(
            _("Request #%(n)s waits for approval; decide or withdraw it first.") % {"n": pending.number},
            code=AMENDMENT_PENDING,
        )
    return (contract.amendments.aggregate(last=Max("number"))["last"] or 0) + 1


def _proposed_lines(contract: Contract, lines: list[dict[str, Any]] | None) -> tuple[list[dict[str, Any]], Decimal]:
    if lines is None:
        current = [_line_snapshot(line) for line in contract.lines.all()]
        return current, contract.total
    cleaned = clean_lines([{**line, "product": None} for line in lines], contract.currency)
    if not cleaned:
        raise DomainError(_("A contract has at least one line."), code=BAD_PLAN, fields={"lines": [_("Required.")]})
    proposed, figures = [], []
    for given, line in zip(lines, cleaned, strict=True):
        amounts = line_amounts(
            line["quantity"], line["unit_price"], line["discount_percent"], line["tax_rate"], contract.currency
        )
        figures.append(amounts)
        proposed.append(
            {
                "product_code": str(given.get("product_code") or "").strip()[:40],
                "description": line["description"],
                "unit": line["unit"],
                **{f: str(line[f]) for f in ("quantity", "unit_price", "discount_percent", "tax_rate")},
                "total": str(amounts.total),
            }
        )
    return proposed, sum_lines(figures).total


def _proposed_plan(contract: Contract, rows: list[dict[str, Any]] | None, total: Decimal) -> list[dict[str, Any]]:
    """The new plan resolved over the new total. Installments already invoiceable (their milestone reached)
    stay exactly as they are: they may be invoiced already."""
    existing = {i.pk: i for i in contract.installments.all()}
    if rows is None:  # the plan as it is: percentages taken again over the new total, amounts as they are
        rows = [_installment_snapshot(i) for i in existing.values()]
        for row in rows:
            row["amount"] = None if row["percent"] is not None else row["amount"]
    rows = [dict(row) for row in rows]
    locked = {pk: i for pk, i in existing.items() if i.invoiceable}
    given_ids = []
    for number, row in enumerate(rows, start=1):
        pk = row.get("id")
        if pk in (None, ""):
            continue
        if int(pk) not in existing:
            raise DomainError(
                _("The payment plan is not valid."),
                code=BAD_PLAN,
                fields={f"installments.{number}.id": [_("Not an installment of this contract.")]},
            )
        given_ids.append(int(pk))
        held = locked.get(int(pk))
        if held is not None:
            same_amount = row.get("amount") in (None, "") or to_decimal(row["amount"]) == held.amount
            if row.get("milestone") != held.milestone or not same_amount:
                raise DomainError(
                    _("%(label)s is invoiceable already and stays as it is.") % {"label": held.label},
                    code=INVOICEABLE_LOCKED,
                )
            row.update({**_installment_snapshot(held), "percent": None})
    for pk, held in locked.items():
        if pk not in given_ids:
            raise DomainError(
                _("%(label)s is invoiceable already and stays as it is.") % {"label": held.label},
                code=INVOICEABLE_LOCKED,
            )
    cleaned = _clean_plan(contract, rows)
    amounts = _resolve(cleaned, total, contract.currency)
    plan = []
    for row, clean, amount in zip(rows, cleaned, amounts, strict=True):
        due_on = clean["due_on"]
        plan.append(
            {
                "id": int(row["id"]) if row.get("id") not in (None, "") else None,
                "label": clean["label"],
                "milestone": clean["milestone"],
                "due_on": due_on.isoformat() if isinstance(due_on, date) else due_on,
                "due_days": int(clean["due_days"]) if clean["due_days"] is not None else None,
                "percent": None if clean["percent"] is None else str(clean["percent"]),
                "amount": str(amount),
            }
        )
    return plan


def _plan_key(plan: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """What an installment obliges (an amount given as a percent or as the same sum is the same)."""
    fields = ("id", "label", "milestone", "due_on", "due_days", "amount")
    return [tuple(None if row.get(f) is None else str(row[f]) for f in fields) for row in plan]


@transaction.atomic
def amendment_propose(
    *,
    actor: Any,
    contract: Contract,
    reason: str,
    lines: list[dict[str, Any]] | None = None,
    installments: list[dict[str, Any]] | None = None,
    ends_on: Any = _KEEP,
) -> Amendment:
    """Propose a change to a signed contract: its lines (and so its total), its end date, its payment plan.
    What is not given stays. The proposal is the whole next version, checked now (the plan must add up to the
    new total; invoiceable installments stay); it takes effect when every approval step approves it."""
    contract = _signed(contract)
    number = _new_request(actor=actor, contract=contract, reason=reason)
    new_lines, total = _proposed_lines(contract, lines)
    plan = _proposed_plan(contract, installments, total)
    new_end = contract.ends_on if ends_on is _KEEP else ends_on
    if new_end is not None and contract.starts_on is not None and new_end < contract.starts_on:
        raise DomainError(_("The end comes after the start."), code=BAD_DATE, fields={"ends_on": [_("Too early.")]})
    current_plan = [_installment_snapshot(i) for i in contract.installments.all()]
    unchanged = (
        new_lines == [_line_snapshot(line) for line in contract.lines.all()]
        and _plan_key(plan) == _plan_key(current_plan)
        and new_end == contract.ends_on
    )
    if unchanged:
        raise DomainError(_("This amendment changes nothing."), code=CHANGES_NOTHING)
    with acting_as(actor):
        return Amendment.objects.create(
            contract=contract,
            number=number,
            kind=Amendment.Kind.AMENDMENT,
            reason=reason.strip()[:500],
            lines=new_lines,
            installments=plan,
            total=total,
            ends_on=new_end,
            requested_by=actor,
        )


@transaction.atomic
def contract_terminate(*, actor: Any, contract: Contract, reason: str, effective_on: date) -> Amendment:
    """Ask to terminate a signed contract, with the reason and the day it ends; it ends when every approval step
    approves. Installments whose milestone was not reached are then cancelled; the order, unless the customer
    accepted it already, is cancelled."""
    contract = _signed(contract)
    number = _new_request(actor=actor, contract=contract, reason=reason)
    if contract.signed_on and effective_on < contract.signed_on:
        raise DomainError(
            _("A contract ends after it was signed."), code=BAD_DATE, fields={"effective_on": [_("Too early.")]}
        )
    with acting_as(actor):
        return Amendment.objects.create(
            contract=contract,
            number=number,
            kind=Amendment.Kind.TERMINATION,
            reason=reason.strip()[:500],
            effective_on=effective_on,
            requested_by=actor,
        )


def amendment_state(amendment: Amendment) -> tuple[list[ApprovalStep], ApprovalStep | None]:
    """The steps that approved the request, and the next one waiting (None when all have)."""
    return _steps_state(amendment.approvals.filter(approved=True))


def _locked_amendment(amendment: Amendment) -> tuple[Amendment, Contract]:
    contract = _signed(amendment.contract)
    amendment = Amendment.objects.select_for_update().get(pk=amendment.pk)
    if amendment.state != Amendment.State.PENDING:
        raise DomainError(
            _("This request is %(state)s already.") % {"state": Amendment.State(amendment.state).label},
            code=AMENDMENT_DECIDED,
        )
    return amendment, contract


@transaction.atomic
def amendment_decide(*, actor: Any, amendment: Amendment, approve: bool, comment: str = "") -> Amendment:
    """The next approval step of an amendment or a termination, by the person it names (never its author nor
    the contract's owner). A refusal closes it; the last approval applies it."""
    amendment, contract = _locked_amendment(amendment)
    if getattr(actor, "pk", None) in (amendment.requested_by_id, contract.owner_id):
        raise NotAllowed(_("Nobody approves their own contract."), code=OWN_CONTRACT)
    _done, step = amendment_state(amendment)
    if step is None:
        # no step left to approve (the steps were reconfigured while it waited): an administrator decides
        step = ApprovalStep(approver=ApprovalStep.Approver.ADMIN)
    if not may_approve(actor, contract, step):
        raise NotAllowed(_("This step is for: %(who)s.") % {"who": step.get_approver_display()}, code=NOT_APPROVER)
    with acting_as(actor):
        if step.pk is not None:
            Approval.objects.create(
                contract=contract,
                amendment=amendment,
                step=step,
                approved=approve,
                by=actor,
                comment=comment.strip()[:300],
            )
        if not approve:
            amendment.state, amendment.decided_at = Amendment.State.REFUSED, timezone.now()
            amendment.save(update_fields=["state", "decided_at"])
        elif amendment_state(amendment)[1] is None:
            _apply(amendment, contract, actor)
    return amendment


@transaction.atomic
def amendment_withdraw(*, actor: Any, amendment: Amendment) -> Amendment:
    amendment, contract = _locked_amendment(amendment)
    require_seller(actor, contract.opportunity)
    with acting_as(actor):
        amendment.state, amendment.decided_at = Amendment.State.WITHDRAWN, timezone.now()
        amendment.save(update_fields=["state", "decided_at"])
    return amendment


def _apply(amendment: Amendment, contract: Contract, actor: Any) -> None:
    if amendment.kind == Amendment.Kind.TERMINATION:
        _terminate(amendment, contract, actor)
    else:
        _amend(amendment, contract, actor)
    amendment.state, amendment.decided_at = Amendment.State.APPLIED, timezone.now()
    amendment.save(update_fields=["state", "decided_at"])


def _amend(amendment: Amendment, contract: Contract, actor: Any) -> None:
    """The approved proposal becomes the contract's current version. An installment that became invoiceable
    while the amendment waited must come through it unchanged, or the approval is refused."""
    existing = {i.pk: i for i in contract.installments.select_for_update()}
    kept = {row["id"]: row for row in amendment.installments if row.get("id")}
    for pk, installment in existing.items():
        row = kept.get(pk)
        if installment.invoiceable and (
            row is None or row["milestone"] != installment.milestone or Decimal(row["amount"]) != installment.amount
        ):
            raise DomainError(
                _("%(label)s became invoiceable while this request waited; withdraw it and propose it again.")
                % {"label": installment.label},
                code=INVOICEABLE_LOCKED,
            )
    contract.lines.all().delete()
    ContractLine.objects.bulk_create(
        ContractLine(contract=contract, position=position, **line)
        for position, line in enumerate(amendment.lines, start=1)
    )
    Installment.objects.filter(pk__in=[pk for pk in existing if pk not in kept]).delete()
    for position, row in enumerate(amendment.installments, start=1):
        fields = {
            "position": position,
            "label": row["label"],
            "milestone": row["milestone"],
            "due_on": date.fromisoformat(row["due_on"]) if row["due_on"] else None,
            "due_days": row["due_days"],
            "percent": Decimal(row["percent"]) if row["percent"] is not None else None,
            "amount": Decimal(row["amount"]),
        }
        if row.get("id") in existing:
            installment = existing[row["id"]]
            for name, value in fields.items():
                setattr(installment, name, value)
            installment.save()
        else:
            Installment.objects.create(contract=contract, **fields)
    contract.total = amendment.total if amendment.total is not None else contract.total
    contract.ends_on = amendment.ends_on
    contract.version += 1
    contract.save()
    # milestones already reached make the new installments tied to them invoiceable at once
    order = Order.objects.filter(contract=contract).first()
    reached = [(Milestone.SIGNING, contract.signed_on)]
    if order is not None:
        reached += [(Milestone.DELIVERY, order.delivered_on), (Milestone.ACCEPTANCE, order.customer_accepted_on)]
    for milestone, on in reached:
        if on is not None:
            _milestone_reached(contract, milestone, on)
    version_record(contract=contract, actor=actor, amendment=amendment)


def _terminate(amendment: Amendment, contract: Contract, actor: Any) -> None:
    contract.status, contract.ended_on = Status.TERMINATED, amendment.effective_on
    contract.end_reason = amendment.reason
    contract.save()
    for installment in contract.installments.filter(invoiceable=False, cancelled=False):
        installment.cancelled = True
        installment.save(update_fields=["cancelled"])
    order = Order.objects.select_for_update().filter(contract=contract).first()
    if order is not None and order.status != OrderStatus.CUSTOMER_ACCEPTED:
        OrderChange.objects.create(
            order=order, from_status=order.status, to_status=OrderStatus.CANCELLED, actor=actor, note=amendment.reason
        )
        order.status = OrderStatus.CANCELLED
        order.save(update_fields=["status", "updated_at"])


@transaction.atomic
def contract_complete_if_done(*, contract: Contract) -> bool:
    """A signed contract completes when the customer has accepted its order and every installment not
    cancelled is settled. Called when the customer accepts, and by cash collection when an installment is
    settled; True when this call completed it."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    order = Order.objects.filter(contract=contract).first()
    if contract.status != Status.SIGNED or order is None or order.status != OrderStatus.CUSTOMER_ACCEPTED:
        return False
    live = contract.installments.filter(cancelled=False)
    if live.filter(settled_on__isnull=True).exists():
        return False
    last_paid = live.aggregate(last=Max("settled_on"))["last"]
    contract.status = Status.COMPLETED
    contract.ended_on = max(d for d in (last_paid, order.customer_accepted_on) if d is not None)
    contract.save()
    return True


@transaction.atomic
def contract_settlement_changed(*, contract: Contract) -> None:
    """Cash collection changed what is settled on the contract's installments: it completes when everything
    is, and a completed contract whose payment was reversed is signed (open) again."""
    if contract_complete_if_done(contract=contract):
        return
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    unsettled = contract.installments.filter(cancelled=False, settled_on__isnull=True).exists()
    if contract.status == Status.COMPLETED and unsettled:
        contract.status, contract.ended_on = Status.SIGNED, None
        contract.save()
