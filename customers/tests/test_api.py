"""Contacts over the API: the visibility layer, filters, creation with checks, one error format."""

from __future__ import annotations

from rest_framework.test import APIClient

from customers.models import Contact
from customers.services import contact_create


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_rep_lists_and_reads_only_contacts_at_their_accounts(org, org_accounts):
    mine = contact_create(actor=org.rep, account=org_accounts.own, name="刘建华", phone="13817623301")
    theirs = contact_create(actor=org.other_rep, account=org_accounts.other_teams, name="王芳")
    rep = client_for(org.rep)

    listed = rep.get("/api/v1/contacts/").json()
    hidden = rep.get(f"/api/v1/contacts/{theirs.pk}/")
    found = rep.get("/api/v1/contacts/?q=138176").json()
    by_account = client_for(org.manager).get(f"/api/v1/contacts/?account={org_accounts.own.pk}").json()

    assert [(c["id"], c["account_name"]) for c in listed["results"]] == [(mine.pk, "自己的客户")]
    assert (hidden.status_code, hidden.json()["error"]["code"]) == (404, "not_found")
    assert [c["name"] for c in found["results"]] == ["刘建华"]
    assert [c["name"] for c in by_account["results"]] == ["刘建华"]


def test_creating_a_contact_checks_the_account_and_the_fields(org, org_accounts):
    rep = client_for(org.rep)

    elsewhere = rep.post("/api/v1/contacts/", {"account": org_accounts.other_teams.pk, "name": "赵六"}, format="json")
    bad = rep.post(
        "/api/v1/contacts/",
        {"account": org_accounts.own.pk, "name": "赵六", "phone": "123", "email": "x@"},
        format="json",
    )
    good = rep.post(
        "/api/v1/contacts/",
        {"account": org_accounts.own.pk, "name": "钱七", "phone": "+86 139 1234 5678", "email": "Qian@Example.cn"},
        format="json",
    )

    assert (elsewhere.status_code, elsewhere.json()["error"]["code"]) == (404, "not_found")
    assert (bad.status_code, bad.json()["error"]["code"], sorted(bad.json()["error"]["fields"])) == (
        400,
        "invalid_contact",
        ["email", "phone"],
    )
    assert good.status_code == 201
    assert list(Contact.objects.values_list("name", "phone_key", "email", "owner__username")) == [
        ("钱七", "13912345678", "qian@example.cn", "rep")
    ]


def test_bad_contact_input_answers_a_stable_code_and_writes_nothing(org, org_accounts):
    rep = client_for(org.rep)

    no_name = rep.post("/api/v1/contacts/", {"account": org_accounts.own.pk}, format="json")
    blank_name = rep.post("/api/v1/contacts/", {"account": org_accounts.own.pk, "name": "  "}, format="json")
    not_an_id = rep.post("/api/v1/contacts/", {"account": "自己的客户", "name": "赵六"}, format="json")
    unknown = rep.post("/api/v1/contacts/", {"account": 987654, "name": "赵六"}, format="json")

    assert (no_name.status_code, no_name.json()["error"]["code"], list(no_name.json()["error"]["fields"])) == (
        400,
        "validation_error",
        ["name"],
    )
    assert (blank_name.status_code, blank_name.json()["error"]["code"]) == (400, "validation_error")
    assert (not_an_id.status_code, list(not_an_id.json()["error"]["fields"])) == (400, ["account"])
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "not_found")
    assert Contact.objects.count() == 0


def test_filtering_by_another_teams_account_shows_nothing(org, org_accounts):
    contact_create(actor=org.other_rep, account=org_accounts.other_teams, name="王芳")

    listed = client_for(org.rep).get(f"/api/v1/contacts/?account={org_accounts.other_teams.pk}").json()

    assert (listed["count"], listed["results"]) == (0, [])
