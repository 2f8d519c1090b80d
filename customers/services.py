"""Every write to accounts and contacts."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ManyToOneRel
from django.utils.translation import gettext as _
from pghistory.models import Event

from customers.models import Account, Contact
from customers.normalise import clean_email, clean_phone, email_key, phone_key, text_key
from ltc.access import profile_for
from ltc.audit import acting_as
from ltc.errors import DomainError, NotAllowed
from org.models import Role

INVALID_CONTACT = "invalid_contact"
MERGE_SAME = "contact_merge_same"
MERGE_OTHER_ACCOUNT = "contact_merge_other_account"
MERGE_NOT_MANAGER = "contact_merge_not_manager"
MERGED = "ltc.contact.merged"  # the event named in the history context of every write a merge makes

# The fields a merge fills on the kept contact when it has them empty (each with its duplicate key).
MERGE_FILLS = ("title", "role", "phone", "email")


def account_values(
    *, name: str, industry: str = "", size: str = "", region: str = "", city: str = "", website: str = ""
) -> dict[str, Any]:
    """An account's fields as stored: trimmed, with its duplicate key. Every write of an account uses it."""
    return {
        "name": name.strip(),
        "name_key": text_key(name),
        "industry": industry.strip(),
        "size": size,
        "region": region,
        "city": city.strip(),
        "website": website.strip(),
    }


def contact_values(*, account: Account, name: str, title: str = "", phone: str = "", email: str = "") -> dict[str, Any]:
    """A contact's fields as stored: trimmed, owned by the account's owner, with its duplicate keys. Every
    write of a contact uses it; it does not judge the phone or email (see ``contact_create``)."""
    return {
        "account": account,
        "owner_id": account.owner_id,
        "name": name.strip(),
        "title": title.strip(),
        "phone": phone.strip(),
        "email": email_key(email),
        "phone_key": phone_key(phone),
        "email_key": email_key(email),
        "name_key": text_key(name),
    }


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
    values = account_values(name=name, industry=industry, size=size, region=region, city=city, website=website)
    with acting_as(actor):
        return Account.objects.create(owner=owner, **values)


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
            **contact_values(account=account, name=name, title=title, phone=phone, email=email)
        )


def _references() -> list[ManyToOneRel]:
    """Every foreign key to a contact (leads, deals, …), found through the model so that customers imports
    none of the apps that point at it; history rows keep naming the contact they were written about."""
    return [
        rel
        for rel in Contact._meta.get_fields(include_hidden=True)
        if isinstance(rel, ManyToOneRel) and rel.one_to_many and not issubclass(rel.related_model, Event)
    ]


def _manages(actor: Any, account: Account) -> bool:
    """Whether the actor manages the account's owner (ltc.access: a team they manage, or one below it)."""
    profile = profile_for(actor)
    if profile is None:
        return False
    return profile.sees_all or (Role.MANAGER in profile.roles and account.owner_id in profile.owner_ids)


@transaction.atomic
def contact_merge(*, actor: Any, keep: Contact, duplicate: Contact) -> Contact:
    """Fold ``duplicate`` into ``keep``: every record naming the duplicate (its leads, its deals) names
    ``keep`` instead, ``keep``'s empty title, role, phone and email are filled from the duplicate, and the
    duplicate is deleted; each of these writes is in the history with the actor and ``ltc.contact.merged``.

    Only a manager of the account's owner, or an administrator, merges (``contact_merge_not_manager``);
    refuses a contact merged with itself (``contact_merge_same``) and contacts at two accounts
    (``contact_merge_other_account``). A refused merge changes nothing."""
    if keep.pk == duplicate.pk:
        raise DomainError(_("A contact cannot be merged with itself."), code=MERGE_SAME)
    pair = Contact.objects.select_for_update().select_related("account").order_by("pk")  # one locking order
    locked = pair.in_bulk([keep.pk, duplicate.pk])
    keep, duplicate = locked[keep.pk], locked[duplicate.pk]
    if keep.account_id != duplicate.account_id:
        raise DomainError(_("Only contacts at the same account can be merged."), code=MERGE_OTHER_ACCOUNT)
    if not _manages(actor, keep.account):
        raise NotAllowed(_("Only a manager of the account's owner merges its contacts."), code=MERGE_NOT_MANAGER)
    filled = [name for name in MERGE_FILLS if not getattr(keep, name) and getattr(duplicate, name)]
    for name in filled:
        setattr(keep, name, getattr(duplicate, name))
    if "phone" in filled:
        keep.phone_key = duplicate.phone_key
    if "email" in filled:
        keep.email_key = duplicate.email_key
    with acting_as(actor, event=MERGED, keep=keep.pk, duplicate=duplicate.pk):
        for rel in _references():
            rel.related_model._default_manager.filter(**{rel.field.name: duplicate}).update(**{rel.field.name: keep})
        duplicate.delete()
        if filled:
            keep.save(update_fields=[*filled, *(f"{n}_key" for n in ("phone", "email") if n in filled)])
    return keep
