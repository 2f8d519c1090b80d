"""Every write to accounts and contacts."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from customers.models import Account, Contact
from customers.normalise import clean_email, clean_phone, email_key, phone_key, text_key
from ltc.audit import acting_as
from ltc.errors import DomainError

INVALID_CONTACT = "invalid_contact"


@transaction.atomic
def account_create(
    *,
    actor: Any,
    name: str,
    owner: Any,
    industry: str = "",
    size: str = "",
    region: str = "",
    city: str = "",
    website: str = "",
) -> Account:
    """Create an account owned by ``owner`` (the actor, when a rep adds their own)."""
    with acting_as(actor):
        return Account.objects.create(
            name=name.strip(),
            name_key=text_key(name),
            owner=owner,
            industry=industry.strip(),
            size=size,
            region=region,
            city=city.strip(),
            website=website.strip(),
        )


@transaction.atomic
def contact_create(
    *, actor: Any, account: Account, name: str, title: str = "", phone: str = "", email: str = ""
) -> Contact:
    """Create a contact at ``account``; the contact belongs to the account's owner. Refuses an empty name and
    a phone or email that is not one (code ``invalid_contact``, every bad field named)."""
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("A contact needs a name.")]
    for field, value, check in (("phone", phone, clean_phone), ("email", email, clean_email)):
        try:
            check(value or "")
        except ValidationError as exc:
            errors[field] = [str(exc.message)]
    if errors:
        raise DomainError(_("The contact is not valid."), code=INVALID_CONTACT, fields=errors)
    with acting_as(actor):
        return Contact.objects.create(
            account=account,
            owner=account.owner,
            name=name.strip(),
            title=title.strip(),
            phone=phone.strip(),
            email=email.strip().lower(),
            phone_key=phone_key(phone),
            email_key=email_key(email),
            name_key=text_key(name),
        )
