"""Every write to opportunities, beginning with the one that converts a lead."""

from __future__ import annotations

from datetime import date
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
from ltc.access import can_see
from ltc.audit import acting_as
from ltc.errors import Conflict, DomainError, NotAllowed
from opportunities.models import Opportunity
from opportunities.selectors import conversion_matches

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

    with acting_as(actor):
        opportunity = Opportunity.objects.create(
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
        lead_converted(lead=lead, account=account, contact=contact, at=timezone.now())
    activity_cancel_planned(actor=actor, target=lead, origin_prefix="cadence:")
    return opportunity
