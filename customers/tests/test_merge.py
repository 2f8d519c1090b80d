"""A manager folds a duplicate contact into the one that stays: its leads and deals follow, its details fill
the gaps, it is deleted, and the history says who merged what. Nobody else can; a refusal changes nothing."""

from __future__ import annotations

import pytest
from django.apps import apps
from rest_framework.test import APIClient

from customers.models import Contact
from customers.services import contact_create, contact_merge
from leads.models import Lead, Source
from ltc.audit import record_history
from ltc.errors import DomainError, NotAllowed
from opportunities.models import Opportunity
from opportunities.services import opportunity_create


@pytest.fixture
def pair(org, org_accounts):
    keep = contact_create(actor=org.rep, account=org_accounts.own, name="刘建华", phone="13817623301")
    duplicate = contact_create(
        actor=org.rep, account=org_accounts.own, name="刘总", title="采购总监", phone="+86 139 1234 5678",
        email="Liu@Shenyuan.cn",
    )  # fmt: skip
    lead = Lead.objects.create(
        name="刘总", source=Source.objects.get(code="website"), owner=org.rep, account=org_accounts.own,
        contact=duplicate, duplicate_contact=duplicate,
    )  # fmt: skip
    deal = opportunity_create(actor=org.rep, account=org_accounts.own, name="产线改造", contact=duplicate)
    return keep, duplicate, lead, deal


def snapshot():
    contacts = list(
        Contact.objects.order_by("pk").values_list("pk", "name", "title", "phone", "email", "phone_key", "email_key")
    )
    leads = list(Lead.objects.order_by("pk").values_list("pk", "contact_id", "duplicate_contact_id"))
    deals = list(Opportunity.objects.order_by("pk").values_list("pk", "contact_id"))
    return contacts, leads, deals


def test_a_manager_merges_a_duplicate_contact_and_its_leads_and_deals_follow(org, pair):
    keep, duplicate, lead, deal = pair
    duplicate_pk = duplicate.pk

    # when
    merged = contact_merge(actor=org.manager, keep=keep, duplicate=duplicate)

    # then
    assert merged.pk == keep.pk
    assert list(
        Contact.objects.values_list("pk", "name", "title", "phone", "email", "phone_key", "email_key", "name_key")
    ) == [(keep.pk, "刘建华", "采购总监", "13817623301", "liu@shenyuan.cn", "13817623301", "liu@shenyuan.cn", "刘建华")]
    assert list(Lead.objects.values_list("pk", "contact_id", "duplicate_contact_id")) == [(lead.pk, keep.pk, keep.pk)]
    assert list(Opportunity.objects.values_list("pk", "contact_id")) == [(deal.pk, keep.pk)]
    ContactEvent = apps.get_model("customers", "ContactEvent")
    deleted = ContactEvent.objects.get(pgh_obj_id=duplicate_pk, pgh_label="delete")
    assert deleted.pgh_context.metadata == {
        "user": org.manager.pk,
        "event": "ltc.contact.merged",
        "keep": keep.pk,
        "duplicate": duplicate_pk,
    }
    latest = record_history(keep)[0]
    assert (latest.label, latest.actor, [(c.field, c.before, c.after) for c in latest.changes]) == (
        "update",
        org.manager,
        [("email", "", "liu@shenyuan.cn"), ("title", "", "采购总监")],
    )


@pytest.mark.parametrize("who", ["parent_manager", "admin"])
def test_a_manager_above_the_team_and_an_administrator_merge_too(org, pair, who):
    keep, duplicate, _, _ = pair

    contact_merge(actor=getattr(org, who), keep=keep, duplicate=duplicate)

    assert list(Contact.objects.values_list("pk", flat=True)) == [keep.pk]


@pytest.mark.parametrize("who", ["rep", "teammate", "sub_manager", "other_rep", "finance", "presales"])
def test_nobody_but_a_manager_of_the_owner_merges_and_nothing_changes(org, pair, who):
    keep, duplicate, _, _ = pair
    before = snapshot()

    with pytest.raises(NotAllowed) as refused:
        contact_merge(actor=getattr(org, who), keep=keep, duplicate=duplicate)

    assert (refused.value.code, refused.value.message) == (
        "contact_merge_not_manager",
        "Only a manager of the account's owner merges its contacts.",
    )
    assert snapshot() == before


def test_a_contact_is_not_merged_with_itself_nor_across_accounts(org, org_accounts, pair):
    keep, _, _, _ = pair
    elsewhere = contact_create(actor=org.teammate, account=org_accounts.teammates, name="刘建华")
    before = snapshot()

    with pytest.raises(DomainError) as itself:
        contact_merge(actor=org.manager, keep=keep, duplicate=keep)
    with pytest.raises(DomainError) as across:
        contact_merge(actor=org.manager, keep=keep, duplicate=elsewhere)

    assert (itself.value.code, itself.value.message) == (
        "contact_merge_same",
        "A contact cannot be merged with itself.",
    )
    assert (across.value.code, across.value.message) == (
        "contact_merge_other_account",
        "Only contacts at the same account can be merged.",
    )
    assert snapshot() == before


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_merging_over_the_api(org, org_accounts, pair):
    keep, duplicate, lead, _ = pair
    hidden = contact_create(actor=org.other_rep, account=org_accounts.other_teams, name="王芳")
    url = f"/api/v1/contacts/{keep.pk}/merge/"
    manager = client_for(org.manager)
    before = snapshot()

    by_rep = client_for(org.rep).post(url, {"duplicate": duplicate.pk}, format="json")
    by_stranger = client_for(org.other_rep).post(url, {"duplicate": duplicate.pk}, format="json")
    not_a_number = manager.post(url, {"duplicate": "刘总"}, format="json")
    missing = manager.post(url, {}, format="json")
    out_of_sight = client_for(org.rep).post(f"/api/v1/contacts/{keep.pk}/merge/", {"duplicate": hidden.pk})
    assert snapshot() == before
    merged = manager.post(url, {"duplicate": duplicate.pk}, format="json")

    assert (by_rep.status_code, by_rep.json()["error"]["code"]) == (403, "contact_merge_not_manager")
    assert (by_stranger.status_code, by_stranger.json()["error"]["code"]) == (404, "not_found")
    assert (not_a_number.status_code, not_a_number.json()["error"]["code"]) == (400, "validation_error")
    assert list(not_a_number.json()["error"]["fields"]) == ["duplicate"]
    assert (missing.status_code, list(missing.json()["error"]["fields"])) == (400, ["duplicate"])
    assert (out_of_sight.status_code, out_of_sight.json()["error"]["code"]) == (404, "not_found")
    assert merged.status_code == 200
    body = merged.json()
    assert {k: body[k] for k in ("id", "name", "title", "phone", "email", "account_name")} == {
        "id": keep.pk,
        "name": "刘建华",
        "title": "采购总监",
        "phone": "13817623301",
        "email": "liu@shenyuan.cn",
        "account_name": "自己的客户",
    }
    assert Lead.objects.get(pk=lead.pk).contact_id == keep.pk
    assert not Contact.objects.filter(pk=duplicate.pk).exists()
