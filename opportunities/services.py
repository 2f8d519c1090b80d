"""Every write to opportunities, beginning with the one that converts a lead."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.services import activity_cancel_planned
from customers.models import Account, Contact
from customers.services import account_create, contact_create
from leads.models import LEAD_VISIBILITY, Lead, Status
from leads.services import lead_converted
from ltc.access import can_see, profile_for
from ltc.audit import acting_as, checked_save
from ltc.errors import Conflict, DomainError, NotAllowed
from ltc.money import line_amounts, sum_lines, to_decimal
from opportunities import gates
from opportunities.models import (
    Category,
    Check,
    LostReason,
    Opportunity,
    Pipeline,
    PriceBookEntry,
    Product,
    Quote,
    QuoteLine,
    Requirement,
    Stage,
    StageChange,
    Tick,
)
from opportunities.selectors import conversion_matches
from org.models import Membership, Role, User
from org.selectors import home_team_id

ALREADY_CONVERTED = "lead_already_converted"
LEAD_DISQUALIFIED = "lead_disqualified"
NOT_READY = "lead_not_contacted"
COMPANY_REQUIRED = "company_required"
ACCOUNT_MATCH = "account_match"
ACCOUNT_ELSEWHERE = "account_owned_elsewhere"
CONTACT_MATCH = "contact_match"
BAD_CONTACT = "contact_not_at_account"
BAD_AMOUNT = "invalid_amount"
NOT_YOURS = "not_your_lead"


def _amount(value: Any) -> Decimal:
    if value in (None, ""):
        return Decimal("0.00")
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        amount = Decimal(-1)
    if amount < 0 or not amount.is_finite():
        raise DomainError(
            _("The amount must be a number of yuan, zero or more."),
            code=BAD_AMOUNT,
            fields={"amount": [_("Enter an amount such as 120000.00.")]},
        )
    return amount


@transaction.atomic
def opportunity_create_from_lead(
    *,
    actor: Any,
    lead: Lead,
    account: Account | None = None,
    contact: Contact | None = None,
    new_account: bool = False,
    new_contact: bool = False,
    name: str = "",
    amount: Any = None,
    expected_close_date: date | None = None,
) -> Opportunity:
    """Convert a contacted or qualified lead: link or create its account and contact, open an opportunity that
    carries the lead's source, campaign and owner, and close the lead (read-only, linked to what it became).

    When the lead matches an account or contact the actor can see, the caller must choose: pass the match
    (``account``/``contact``) or ask for a new record (``new_account``/``new_contact``); a silent second
    record is never made (codes ``account_match``, ``contact_match``). Converting twice is refused
    (``lead_already_converted``), as is a disqualified lead; nothing is written then.
    """
    lead = Lead.objects.select_for_update(of=("self",)).select_related("owner", "source", "campaign").get(pk=lead.pk)
    if lead.status == Status.CONVERTED:
        raise Conflict(_("This lead was converted already."), code=ALREADY_CONVERTED)
    if lead.status == Status.DISQUALIFIED:
        raise DomainError(_("A disqualified lead cannot be converted."), code=LEAD_DISQUALIFIED)
    if lead.status not in (Status.CONTACTED, Status.QUALIFIED):
        raise DomainError(
            _("Contact the lead before converting it (it is %(status)s).") % {"status": Status(lead.status).label},
            code=NOT_READY,
        )
    if not can_see(actor, lead, LEAD_VISIBILITY):
        raise NotAllowed(_("Only the lead's owner or their manager can convert it."), code=NOT_YOURS)
    amount_value = _amount(amount)
    owner = lead.owner or actor
    matches = conversion_matches(user=actor, lead=lead)

    if account is None:
        if matches.accounts and not new_account:
            raise DomainError(
                _("An account with this company name exists: choose it or ask for a new one."),
                code=ACCOUNT_MATCH,
                fields={"account": [f"{a.pk}: {a.name} ({a.owner})" for a in matches.accounts]},
            )
        if matches.hidden_account is not None:
            raise DomainError(
                _("“%(name)s” is already a customer of %(owner)s; ask your manager before converting.")
                % {"name": matches.hidden_account.name, "owner": matches.hidden_account.owner},
                code=ACCOUNT_ELSEWHERE,
            )
        if not lead.company.strip():
            raise DomainError(
                _("The lead has no company name; add it before converting."),
                code=COMPANY_REQUIRED,
                fields={"company": [_("Required.")]},
            )
        account = account_create(
            actor=actor,
            name=lead.company,
            owner=owner,
            industry=lead.industry,
            size=lead.size,
            region=lead.region,
            city=lead.city,
        )
    if contact is not None and contact.account_id != account.pk:
        raise DomainError(_("The contact is not at the chosen account."), code=BAD_CONTACT)
    if contact is None:
        at_account = [c for c in matches.contacts if c.account_id == account.pk]
        if at_account and not new_contact:
            raise DomainError(
                _("This person is already a contact at the account: choose them or ask for a new contact."),
                code=CONTACT_MATCH,
                fields={"contact": [f"{c.pk}: {c.name} {c.phone} {c.email}".strip() for c in at_account]},
            )
        contact = contact_create(
            actor=actor, account=account, name=lead.name, title=lead.title, phone=lead.phone, email=lead.email
        )

    pipeline = pipeline_for(account)
    stage = first_stage(pipeline)
    now = timezone.now()
    with acting_as(actor):
        opportunity = Opportunity.objects.create(
            pipeline=pipeline,
            stage=stage,
            probability=stage.probability,
            stage_entered_at=now,
            name=(name or "").strip()[:200] or account.name,
            account=account,
            contact=contact,
            amount=amount_value,
            expected_close_date=expected_close_date,
            owner=owner,
            team_id=lead.team_id,
            source_lead=lead,
            source=lead.source,
            campaign=lead.campaign,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        StageChange.objects.create(
            opportunity=opportunity, from_stage=None, to_stage=stage, actor=opportunity.created_by, at=now
        )
        lead_converted(lead=lead, account=account, contact=contact, at=now)
    activity_cancel_planned(actor=actor, target=lead, origin_prefix="cadence:")
    return opportunity


# --- the pipeline -----------------------------------------------------------------------------------------

STALE = "stale_move"
CLOSED = "deal_closed"
GATE_BLOCKED = "gate_mandatory_missing"
NOTE_NEEDED = "guidance_needs_note"
WRONG_PIPELINE = "stage_not_in_pipeline"
USE_LOSE = "lost_needs_reason"
NOT_YOUR_DEAL = "not_your_deal"
NOT_PRESALES = "not_presales"
NOT_DELIVERY = "not_delivery"
NOT_MANUAL = "requirement_verified_by_system"


def pipeline_for(account: Account) -> Pipeline:
    """The active pipeline for the account's segment (company size), else the default one."""
    pipelines = list(Pipeline.objects.filter(active=True))
    chosen = next((p for p in pipelines if account.size and account.size in p.segments), None)
    chosen = chosen or next((p for p in pipelines if p.is_default), None) or (pipelines[0] if pipelines else None)
    if chosen is None:
        raise DomainError(_("No pipeline is set up; an administrator must add one."), code="no_pipeline")
    return chosen


def first_stage(pipeline: Pipeline) -> Stage:
    stage = pipeline.stages.filter(category=Category.OPEN).order_by("order").first()
    if stage is None:
        raise DomainError(_("The pipeline has no open stage."), code="no_pipeline")
    return stage


def _enter(opportunity: Opportunity, stage: Stage, actor: Any, at: Any, skipped: list[dict[str, Any]]) -> None:
    StageChange.objects.create(
        opportunity=opportunity,
        from_stage=opportunity.stage,
        to_stage=stage,
        actor=actor if getattr(actor, "pk", None) else None,
        at=at,
        skipped=skipped,
    )
    opportunity.stage = stage
    opportunity.probability = stage.probability
    opportunity.stage_entered_at = at
    opportunity.closed_at = at if stage.category != Category.OPEN else None
    opportunity.version += 1


def require_seller(actor: Any, opportunity: Opportunity) -> None:
    """The owner, a manager over the owner (or the deal's team), or an administrator."""
    profile = profile_for(actor)
    if profile is None or not (
        profile.sees_all or opportunity.owner_id in profile.owner_ids or opportunity.team_id in profile.managed_team_ids
    ):
        raise NotAllowed(_("Only the deal's owner or their manager can do this."), code=NOT_YOUR_DEAL)


def _locked(opportunity: Opportunity, version: int | None) -> Opportunity:
    locked = (
        Opportunity.objects.select_for_update(of=("self",))
        .select_related("stage", "account", "pipeline")
        .get(pk=opportunity.pk)
    )
    if version is not None and locked.version != version:
        raise Conflict(
            _("Someone changed this deal a moment ago (now in %(stage)s); reload and try again.")
            % {"stage": locked.stage},
            code=STALE,
        )
    if locked.stage is not None and locked.stage.category == Category.WON:
        raise DomainError(_("A won deal is closed; its contract takes it from here."), code=CLOSED)
    return locked


@transaction.atomic
def opportunity_move(
    *, actor: Any, opportunity: Opportunity, stage: Stage, version: int | None, notes: dict[int, str] | None = None
) -> Opportunity:
    """Move a deal to ``stage`` through the gates of every stage it enters on the way.

    Refused, with nothing changed: a move made against an older ``version`` of the deal (``stale_move``: two
    people moved the same card), a mandatory requirement unmet (``gate_mandatory_missing``, the missing ones
    listed), a guidance requirement unmet without a note saying why (``guidance_needs_note``), a stage of
    another pipeline, a won deal, and a move to a lost stage (that is ``opportunity_lose``, with its reason).
    """
    opportunity = _locked(opportunity, version)
    require_seller(actor, opportunity)
    if stage.pipeline_id != opportunity.pipeline_id:
        raise DomainError(_("That stage belongs to another pipeline."), code=WRONG_PIPELINE)
    if stage.category == Category.LOST:
        raise DomainError(_("Say why the deal was lost."), code=USE_LOSE, fields={"lost_reason": [_("Required.")]})
    if stage.pk == opportunity.stage_id:
        return opportunity
    notes = {int(k): (v or "").strip() for k, v in (notes or {}).items()}
    blocked: list[str] = []
    unexplained: list[str] = []
    skipped: list[dict[str, Any]] = []
    for gate in gates.gates_between(opportunity, stage):
        items = gates.checklist(opportunity, gate)
        blocked += gates.describe(gates.missing(items, mandatory=True))
        for item in gates.missing(items, mandatory=False):
            if notes.get(item.requirement.pk):
                skipped.append({"requirement": item.requirement.pk, "note": notes[item.requirement.pk][:200]})
            else:
                unexplained.append(str(item.requirement))
    if blocked:
        raise DomainError(
            _("Not yet: %(missing)s.") % {"missing": "; ".join(blocked)},
            code=GATE_BLOCKED,
            fields={"gate": blocked},
        )
    if unexplained:
        raise DomainError(
            _("Say why the deal goes on without: %(missing)s.") % {"missing": "; ".join(unexplained)},
            code=NOTE_NEEDED,
            fields={"notes": unexplained},
        )
    with acting_as(actor):
        _enter(opportunity, stage, actor, timezone.now(), skipped)
        opportunity.save()
    return opportunity


@transaction.atomic
def opportunity_win(*, actor: Any, opportunity: Opportunity, version: int | None) -> Opportunity:
    """Move the deal to its pipeline's won stage (whose gate asks for an accepted quote)."""
    won = Stage.objects.filter(pipeline=opportunity.pipeline, category=Category.WON).order_by("order").first()
    if won is None:
        raise DomainError(_("The pipeline has no won stage."), code=WRONG_PIPELINE)
    return opportunity_move(actor=actor, opportunity=opportunity, stage=won, version=version)


@transaction.atomic
def opportunity_lose(
    *, actor: Any, opportunity: Opportunity, version: int | None, reason: LostReason | None, competitor: str = ""
) -> Opportunity:
    """Close the deal as lost: a reason is required, the competitor is kept when known."""
    opportunity = _locked(opportunity, version)
    require_seller(actor, opportunity)
    if reason is None:
        raise DomainError(_("Say why the deal was lost."), code=USE_LOSE, fields={"lost_reason": [_("Required.")]})
    lost = Stage.objects.filter(pipeline=opportunity.pipeline, category=Category.LOST).order_by("order").first()
    if lost is None:
        raise DomainError(_("The pipeline has no lost stage."), code=WRONG_PIPELINE)
    if opportunity.stage_id == lost.pk:
        raise DomainError(_("The deal is lost already."), code=CLOSED)
    opportunity.lost_reason, opportunity.competitor = reason, competitor.strip()[:200]
    with acting_as(actor):
        _enter(opportunity, lost, actor, timezone.now(), [])
        opportunity.save()
    return opportunity


@transaction.atomic
def opportunity_set_team(
    *, actor: Any, opportunity: Opportunity, presales: User | None = None, delivery: User | None = None
) -> Opportunity:
    """Name the solution and delivery leads of the iron triangle (each must hold that role); None clears."""
    opportunity = _locked(opportunity, None)
    require_seller(actor, opportunity)
    for person, role, code, label in (
        (presales, Role.PRESALES, NOT_PRESALES, _("a solution (presales) lead")),
        (delivery, Role.DELIVERY, NOT_DELIVERY, _("a delivery lead")),
    ):
        if person is not None and not Membership.objects.filter(user=person, role=role, user__is_active=True).exists():
            raise DomainError(_("%(name)s is not %(role)s.") % {"name": person, "role": label}, code=code)
    opportunity.presales, opportunity.delivery = presales, delivery
    with acting_as(actor):
        opportunity.save(update_fields=["presales", "delivery", "updated_at"])
    return opportunity


@transaction.atomic
def requirement_tick(
    *, actor: Any, opportunity: Opportunity, requirement: Requirement, done: bool = True, note: str = ""
) -> None:
    """A person says a manual requirement holds for the deal (or takes it back). The iron triangle may."""
    if requirement.verified_by != Check.MANUAL:
        raise DomainError(_("The system checks this itself."), code=NOT_MANUAL)
    if done:
        Tick.objects.update_or_create(
            opportunity=opportunity, requirement=requirement, defaults={"by": actor, "note": note.strip()[:200]}
        )
    else:
        Tick.objects.filter(opportunity=opportunity, requirement=requirement).delete()


@transaction.atomic
def opportunity_create(
    *,
    actor: Any,
    account: Account,
    name: str,
    owner: User | None = None,
    contact: Contact | None = None,
    amount: Any = None,
    currency: str = "",
    expected_close_date: date | None = None,
) -> Opportunity:
    """Open a deal with an account directly (not from a lead): in the pipeline of the account's segment, at
    its first stage; the owner is the account's owner unless named."""
    if not (name or "").strip():
        raise DomainError(_("Name the deal."), code="name_required", fields={"name": [_("Required.")]})
    if contact is not None and contact.account_id != account.pk:
        raise DomainError(_("The contact is not at the chosen account."), code=BAD_CONTACT)
    pipeline = pipeline_for(account)
    stage = first_stage(pipeline)
    now = timezone.now()
    owner = owner or account.owner
    with acting_as(actor):
        opportunity = Opportunity.objects.create(
            name=name.strip()[:200],
            account=account,
            contact=contact,
            amount=_amount(amount),
            currency=currency or Opportunity._meta.get_field("currency").get_default(),
            expected_close_date=expected_close_date,
            owner=owner,
            team_id=home_team_id(owner),
            pipeline=pipeline,
            stage=stage,
            probability=stage.probability,
            stage_entered_at=now,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        StageChange.objects.create(opportunity=opportunity, from_stage=None, to_stage=stage, actor=actor, at=now)
    return opportunity


# --- quotes -----------------------------------------------------------------------------------------------

QUOTE_FROZEN = "quote_not_draft"
QUOTE_EMPTY = "quote_empty"
BAD_LINE = "invalid_quote_line"
NEEDS_APPROVAL = "discount_needs_approval"
OWN_DISCOUNT = "own_discount"
NOT_APPROVER = "not_the_approver"
NOT_SENT = "quote_not_sent"
ALREADY_ACCEPTED = "quote_already_accepted"
VALIDITY_PASSED = "quote_validity_passed"
NO_APPROVAL_NEEDED = "approval_not_needed"


def discount_threshold() -> Decimal:
    from django.conf import settings

    return Decimal(settings.QUOTE_DISCOUNT_APPROVAL_PERCENT)


def needs_approval(quote: Quote) -> bool:
    return quote.max_discount_percent > discount_threshold() and quote.approval != Quote.Approval.APPROVED


def _locked_quote(quote: Quote) -> Quote:
    return Quote.objects.select_for_update(of=("self",)).select_related("opportunity").get(pk=quote.pk)


@transaction.atomic
def quote_create(*, actor: Any, opportunity: Opportunity, valid_until: date | None = None) -> Quote:
    """A new draft version of the deal's quote (v1, v2 …), starting from the lines of the latest version."""
    from django.conf import settings

    opportunity = _locked(opportunity, None)
    require_seller(actor, opportunity)
    if opportunity.quotes.filter(status=Quote.Status.ACCEPTED).exists():
        raise DomainError(_("The deal has an accepted quote; it is frozen."), code=ALREADY_ACCEPTED)
    latest = opportunity.quotes.order_by("-version").first()
    with acting_as(actor):
        quote = Quote.objects.create(
            opportunity=opportunity,
            version=(latest.version + 1) if latest else 1,
            currency=latest.currency if latest else opportunity.currency,
            valid_until=valid_until or timezone.localdate() + timedelta(days=settings.QUOTE_VALID_DAYS),
            note=latest.note if latest else "",
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        if latest is not None:
            _write_lines(quote, [_line_fields(line) for line in latest.lines.all()])
    return quote


def _line_fields(line: QuoteLine) -> dict[str, Any]:
    return {
        "product": line.product,
        "description": line.description,
        "unit": line.unit,
        "quantity": line.quantity,
        "unit_price": line.unit_price,
        "discount_percent": line.discount_percent,
        "tax_rate": line.tax_rate,
    }


def price_of(product: Product, currency: str) -> Decimal:
    """A product's price in a quote's currency: from an active price book of that currency, else its list price."""
    entry = (
        PriceBookEntry.objects.filter(product=product, price_book__currency=currency, price_book__active=True)
        .order_by("price_book__pk")
        .first()
    )
    return entry.unit_price if entry is not None else product.list_price


def clean_lines(lines: list[dict[str, Any]], currency: str) -> list[dict[str, Any]]:
    """Every line checked; all problems named by line (``lines.2.quantity``), nothing written on any."""
    errors: dict[str, list[str]] = {}
    cleaned = []
    for number, line in enumerate(lines, start=1):
        product = line.get("product")
        row: dict[str, Any] = {
            "product": product,
            "description": (line.get("description") or (product.name if product else "")).strip()[:300],
            "unit": (line.get("unit") or (product.unit if product else "")).strip()[:20],
        }
        defaults = {
            "quantity": None,
            "unit_price": price_of(product, currency) if product else None,
            "discount_percent": Decimal(0),
            "tax_rate": product.tax_rate if product else Decimal(0),
        }
        for field, default in defaults.items():
            raw = line.get(field)
            try:
                value = (
                    to_decimal(raw) if raw not in (None, "") else (to_decimal(default) if default is not None else None)
                )
            except (TypeError, ValueError):
                value = None
            if value is None:
                errors.setdefault(f"lines.{number}.{field}", []).append(_("Enter a number."))
                continue
            row[field] = value
        if not row["description"]:
            errors.setdefault(f"lines.{number}.description", []).append(_("Say what is sold."))
        if "quantity" in row and row["quantity"] <= 0:
            errors.setdefault(f"lines.{number}.quantity", []).append(_("The quantity must be more than zero."))
        if "unit_price" in row and row["unit_price"] < 0:
            errors.setdefault(f"lines.{number}.unit_price", []).append(_("A price cannot be negative."))
        for field in ("discount_percent", "tax_rate"):
            if field in row and not (0 <= row[field] <= 100):
                errors.setdefault(f"lines.{number}.{field}", []).append(_("Between 0 and 100 %."))
        cleaned.append(row)
    if errors:
        raise DomainError(_("Some quote lines are not valid."), code=BAD_LINE, fields=errors)
    return cleaned


def _write_lines(quote: Quote, lines: list[dict[str, Any]]) -> None:
    quote.lines.all().delete()
    amounts = []
    objects = []
    for position, line in enumerate(lines, start=1):
        figures = line_amounts(
            line["quantity"], line["unit_price"], line["discount_percent"], line["tax_rate"], quote.currency
        )
        amounts.append(figures)
        objects.append(QuoteLine(quote=quote, position=position, **line, **figures._asdict()))
    QuoteLine.objects.bulk_create(objects)
    totals = sum_lines(amounts)
    quote.gross, quote.discount, quote.net, quote.tax, quote.total = totals
    biggest = max((line["discount_percent"] for line in lines), default=Decimal(0))
    if biggest != quote.max_discount_percent and quote.approval:
        quote.approval, quote.approval_by, quote.approval_note = "", None, ""  # a changed discount asks again
    quote.max_discount_percent = biggest
    quote.save()


@transaction.atomic
def quote_set_lines(*, actor: Any, quote: Quote, lines: list[dict[str, Any]]) -> Quote:
    """Replace a draft's lines (product, quantity, unit price, discount %, tax %); totals recomputed exactly."""
    quote = _locked_quote(quote)
    require_seller(actor, quote.opportunity)
    if quote.status != Quote.Status.DRAFT:
        raise DomainError(
            _("Only a draft quote changes; make a new version instead (this one is %(status)s).")
            % {"status": Quote.Status(quote.status).label},
            code=QUOTE_FROZEN,
        )
    cleaned = clean_lines(lines, quote.currency)
    with acting_as(actor):
        _write_lines(quote, cleaned)
    return quote


@transaction.atomic
def quote_request_approval(*, actor: Any, quote: Quote) -> Quote:
    quote = _locked_quote(quote)
    require_seller(actor, quote.opportunity)
    if quote.status != Quote.Status.DRAFT:
        raise DomainError(_("Only a draft quote asks for approval."), code=QUOTE_FROZEN)
    if not needs_approval(quote):
        raise DomainError(_("This discount needs no approval."), code=NO_APPROVAL_NEEDED)
    quote.approval = Quote.Approval.PENDING
    with acting_as(actor):
        quote.save(update_fields=["approval", "updated_at"])
    return quote


@transaction.atomic
def quote_decide_discount(*, actor: Any, quote: Quote, approve: bool, note: str = "") -> Quote:
    """The deal owner's manager approves or refuses a discount beyond the threshold; nobody their own."""
    quote = _locked_quote(quote)
    owner_id = quote.opportunity.owner_id
    if getattr(actor, "pk", None) in (owner_id, quote.created_by_id):
        raise NotAllowed(_("Nobody approves their own discount."), code=OWN_DISCOUNT)
    profile = profile_for(actor)
    if profile is None or not (profile.sees_all or (Role.MANAGER in profile.roles and owner_id in profile.owner_ids)):
        raise NotAllowed(_("Only the deal owner's manager approves this discount."), code=NOT_APPROVER)
    if quote.status != Quote.Status.DRAFT or quote.approval != Quote.Approval.PENDING:
        raise DomainError(_("This quote is not waiting for approval."), code=NO_APPROVAL_NEEDED)
    quote.approval = Quote.Approval.APPROVED if approve else Quote.Approval.REJECTED
    quote.approval_by, quote.approval_note = actor, note.strip()[:200]
    with acting_as(actor):
        quote.save(update_fields=["approval", "approval_by", "approval_note", "updated_at"])
    return quote


@transaction.atomic
def quote_send(*, actor: Any, quote: Quote) -> Quote:
    quote = _locked_quote(quote)
    require_seller(actor, quote.opportunity)
    if quote.status != Quote.Status.DRAFT:
        raise DomainError(_("This quote was sent already."), code=QUOTE_FROZEN)
    if not quote.lines.exists():
        raise DomainError(_("Add at least one line before sending."), code=QUOTE_EMPTY)
    if needs_approval(quote):
        raise DomainError(
            _("A discount of %(pct)s %% needs the manager's approval first (above %(limit)s %%).")
            % {"pct": format(quote.max_discount_percent.normalize(), "f"), "limit": discount_threshold()},
            code=NEEDS_APPROVAL,
        )
    if quote.valid_until < timezone.localdate():
        raise DomainError(_("The validity date has passed; set a new one."), code=VALIDITY_PASSED)
    quote.status, quote.sent_at = Quote.Status.SENT, timezone.now()
    with acting_as(actor):
        quote.save(update_fields=["status", "sent_at", "updated_at"])
    return quote


@transaction.atomic
def quote_accept(*, actor: Any, quote: Quote) -> Quote:
    """The customer accepted: the quote is frozen, the deal takes its total. One accepted quote per deal."""
    quote = _locked_quote(quote)
    opportunity = _locked(quote.opportunity, None)
    require_seller(actor, opportunity)
    if quote.status != Quote.Status.SENT:
        raise DomainError(
            _("Only a sent quote can be accepted (this one is %(status)s).")
            % {"status": Quote.Status(quote.status).label},
            code=NOT_SENT,
        )
    if quote.valid_until < timezone.localdate():
        raise DomainError(_("The quote's validity date has passed."), code=VALIDITY_PASSED)
    if opportunity.quotes.filter(status=Quote.Status.ACCEPTED).exists():
        raise DomainError(_("Another version of this quote is accepted already."), code=ALREADY_ACCEPTED)
    quote.status, quote.decided_at = Quote.Status.ACCEPTED, timezone.now()
    opportunity.amount, opportunity.currency = quote.total, quote.currency
    with acting_as(actor):
        quote.save(update_fields=["status", "decided_at", "updated_at"])
        opportunity.save(update_fields=["amount", "currency", "updated_at"])
    return quote


@transaction.atomic
def quote_reject(*, actor: Any, quote: Quote, note: str = "") -> Quote:
    quote = _locked_quote(quote)
    require_seller(actor, quote.opportunity)
    if quote.status != Quote.Status.SENT:
        raise DomainError(_("Only a sent quote can be rejected."), code=NOT_SENT)
    quote.status, quote.decided_at = Quote.Status.REJECTED, timezone.now()
    if note.strip():
        quote.note = f"{quote.note}\n{note.strip()}".strip()
    with acting_as(actor):
        quote.save(update_fields=["status", "decided_at", "note", "updated_at"])
    return quote


def quotes_expire(*, today: date) -> int:
    """Sent quotes valid until before ``today`` become expired; returns how many (a re-run finds none)."""
    with acting_as(None):
        return Quote.objects.filter(status=Quote.Status.SENT, valid_until__lt=today).update(
            status=Quote.Status.EXPIRED, updated_at=timezone.now()
        )


EDITABLE = ("name", "contact", "amount", "currency", "expected_close_date", "probability")


@transaction.atomic
def opportunity_update(*, actor: Any, opportunity: Opportunity, **fields: Any) -> Opportunity:
    """Change a deal's details: name, primary contact (at its account), amount, currency, expected close date,
    probability (defaults from the stage; a person may override it, 0–100). A won deal is closed."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise DomainError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))}, code="invalid_deal")
    opportunity = _locked(opportunity, fields.pop("version", None))
    require_seller(actor, opportunity)
    errors: dict[str, list[str]] = {}
    if "name" in fields and not (fields["name"] or "").strip():
        errors["name"] = [_("Required.")]
    if "amount" in fields:
        try:
            fields["amount"] = _amount(fields["amount"])
        except DomainError as exc:
            errors.update(exc.fields or {})
    if "probability" in fields and not (0 <= int(fields["probability"]) <= 100):
        errors["probability"] = [_("Between 0 and 100 %.")]
    contact = fields.get("contact")
    if contact is not None and contact.account_id != opportunity.account_id:
        errors["contact"] = [_("The contact is not at the chosen account.")]
    if errors:
        raise DomainError(_("The deal is not valid."), code="invalid_deal", fields=errors)
    for field, value in fields.items():
        setattr(opportunity, field, value.strip()[:200] if field == "name" else value)
    with acting_as(actor):
        opportunity.save()
    return opportunity


def opportunity_setting_save(*, actor: Any, setting: Any) -> Any:
    """Save one of the settings an administrator keeps here (see ltc.audit.checked_save)."""
    return checked_save(actor=actor, record=setting)


@transaction.atomic
def opportunity_setting_delete(*, actor: Any, setting: Any) -> None:
    with acting_as(actor):
        setting.delete()
