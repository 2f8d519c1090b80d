"""Every read of accounts and contacts, narrowed to what the reader may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from customers.models import ACCOUNT_VISIBILITY, CONTACT_VISIBILITY, Account, Contact
from ltc.access import visible


def account_list_visible_to(*, user: Any, search: str = "") -> QuerySet[Account]:
    """Accounts the user may see (ltc.access), newest first, with their owner loaded."""
    qs = visible(Account.objects.select_related("owner"), user, ACCOUNT_VISIBILITY)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(city__icontains=search) | Q(industry__icontains=search))
    return qs.order_by("-created_at", "-pk")


def account_get_for_user(*, user: Any, pk: int) -> Account:
    """One visible account, with its contact count; 404 when it does not exist or is out of scope."""
    qs = account_list_visible_to(user=user).annotate(contact_count=Count("contacts"))
    return get_object_or_404(qs, pk=pk)


def contact_list_visible_to(
    *, user: Any, account: Account | None = None, account_id: int | None = None, search: str = ""
) -> QuerySet[Contact]:
    """Contacts at accounts the user may see, by name; narrowed to one account (or its id) or a search."""
    qs = visible(Contact.objects.select_related("account", "owner"), user, CONTACT_VISIBILITY)
    if account is not None:
        qs = qs.filter(account=account)
    if account_id is not None:
        qs = qs.filter(account_id=account_id)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(phone_key__startswith=search) | Q(email_key=search.lower()))
    return qs.order_by("name", "pk")


def contact_get_for_user(*, user: Any, pk: int) -> Contact:
    """One visible contact; 404 when it does not exist or is out of scope."""
    return get_object_or_404(contact_list_visible_to(user=user), pk=pk)
