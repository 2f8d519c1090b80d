"""Who sees which contract and order, the same through the list page, the API list, the detail page, the API
detail and the export: finance every one, managers their teams', the iron triangle the deals they are on."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from contracts.models import Contract
from contracts.services import contract_create_from_quote
from customers.services import account_create
from opportunities.services import (
    opportunity_create,
    opportunity_set_team,
    quote_accept,
    quote_create,
    quote_send,
    quote_set_lines,
)

EXPECTED = {
    "rep": {"rep"},
    "teammate": {"teammate"},
    "other_rep": {"other_rep"},
    "manager": {"rep", "teammate"},
    "parent_manager": {"rep", "teammate", "other_rep"},
    "sub_manager": set(),
    "presales": {"rep"},  # on the rep's deal only
    "delivery": {"rep"},
    "finance": {"rep", "teammate", "other_rep"},
    "admin": {"rep", "teammate", "other_rep"},
}


def contract_of(org, owner_name: str) -> Contract:
    owner = getattr(org, owner_name)
    account = account_create(actor=owner, owner=owner, name=f"{owner_name} 客户", size="small")
    deal = opportunity_create(actor=owner, account=account, name=f"{owner_name} 项目")
    if owner_name == "rep":
        opportunity_set_team(actor=owner, opportunity=deal, presales=org.presales, delivery=org.delivery)
    quote = quote_create(actor=owner, opportunity=deal)
    quote_set_lines(actor=owner, quote=quote, lines=[{"description": "服务", "quantity": "1", "unit_price": "100"}])
    quote_send(actor=owner, quote=quote)
    quote_accept(actor=owner, quote=quote)
    return contract_create_from_quote(actor=owner, quote=quote)


def seen_by(user, contracts: dict[str, Contract]) -> tuple:
    page, api = Client(HTTP_ACCEPT_LANGUAGE="en"), APIClient()
    page.force_login(user)
    api.force_authenticate(user)
    by_number = {c.number: owner for owner, c in contracts.items()}
    listed = {by_number[c.number] for c in page.get(reverse("contracts:contract_list")).context["page"]}
    api_listed = {by_number[row["number"]] for row in api.get("/api/v1/contracts/").json()["results"]}
    exported = b"".join(page.get(reverse("contracts:contract_list"), {"export": "csv"}).streaming_content)
    in_file = {owner for number, owner in by_number.items() if number.encode() in exported}
    opened = {
        owner
        for owner, c in contracts.items()
        if page.get(reverse("contracts:contract_detail", args=[c.pk])).status_code == 200
    }
    api_opened = {owner for owner, c in contracts.items() if api.get(f"/api/v1/contracts/{c.pk}/").status_code == 200}
    return listed, api_listed, in_file, opened, api_opened


def test_every_way_of_reading_a_contract_shows_the_same_set(org):
    contracts = {name: contract_of(org, name) for name in ("rep", "teammate", "other_rep")}
    seen = {viewer: seen_by(getattr(org, viewer), contracts) for viewer in EXPECTED}
    assert seen == {viewer: (owners,) * 5 for viewer, owners in EXPECTED.items()}
