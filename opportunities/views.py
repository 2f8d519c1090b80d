"""Opportunity pages (this first form: the list and the page of a deal) and the conversion of a lead."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from customers.selectors import account_get_for_user, contact_list_visible_to
from leads.selectors import lead_get_for_user
from ltc.audit import record_history
from ltc.errors import DomainError
from opportunities.selectors import conversion_matches, opportunity_get_for_user, opportunity_list_visible_to
from opportunities.services import opportunity_create_from_lead

PAGE_SIZE = 50


@login_required
def opportunity_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(opportunity_list_visible_to(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "opportunities/opportunity_list.html", {"page": page})


@login_required
def opportunity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = opportunity_get_for_user(user=request.user, pk=pk)
    return render(
        request,
        "opportunities/opportunity_detail.html",
        {"opportunity": opportunity, "history": record_history(opportunity)},
    )


def _choice(value: str) -> tuple[bool, int | None]:
    """A radio value: "new" or a record's id."""
    if value == "new":
        return True, None
    return False, int(value) if value.isdigit() else None


@login_required
def lead_convert(request: HttpRequest, pk: int) -> HttpResponse:
    """Show what the lead matches (accounts, contacts) and let the rep choose, then convert."""
    lead = lead_get_for_user(user=request.user, pk=pk)
    matches = conversion_matches(user=request.user, lead=lead)
    values: dict[str, Any] = {
        "account": str(matches.accounts[0].pk) if matches.accounts else "new",
        "contact": str(matches.contacts[0].pk) if matches.contacts else "new",
        "name": lead.company or lead.name,
        "amount": "",
        "expected_close_date": "",
    }
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values.update({k: request.POST.get(k, "").strip() for k in values})
        new_account, account_id = _choice(values["account"])
        new_contact, contact_id = _choice(values["contact"])
        close: date | None = None
        if values["expected_close_date"]:
            try:
                close = date.fromisoformat(values["expected_close_date"])
            except ValueError:
                errors["expected_close_date"] = [_("Enter a date such as 2026-12-31.")]
        if not errors:
            try:
                account = account_get_for_user(user=request.user, pk=account_id) if account_id else None
                contact = None
                if contact_id and account is not None:
                    contact = contact_list_visible_to(user=request.user, account=account).filter(pk=contact_id).first()
                opportunity = opportunity_create_from_lead(
                    actor=request.user,
                    lead=lead,
                    account=account,
                    contact=contact,
                    new_account=new_account,
                    new_contact=new_contact or contact is None,
                    name=values["name"],
                    amount=values["amount"],
                    expected_close_date=close,
                )
            except DomainError as exc:
                messages.error(request, exc.message)
                errors = {k: [str(m) for m in v] for k, v in (exc.fields or {}).items()}
            else:
                messages.success(
                    request,
                    _("%(lead)s is converted: opportunity %(name)s opened.")
                    % {"lead": lead.name, "name": opportunity.name},
                )
                return redirect("opportunities:opportunity_detail", pk=opportunity.pk)
    return render(
        request,
        "opportunities/lead_convert.html",
        {"lead": lead, "matches": matches, "values": values, "errors": errors},
    )
