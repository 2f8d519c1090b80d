"""A manager merges a duplicate lead into the one that stays; nobody else can, and nothing is deleted."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from activities.models import Activity
from leads.models import Lead
from leads.services import lead_create, lead_merge
from leads.tests.conftest import COOL
from ltc.errors import DomainError


@pytest.fixture
def pair(sales):
    keep = lead_create(
        actor=sales.manager, name="刘建华", company="上海申远", phone="13817623301", source=sales.website,
        region="east", **COOL,
    )  # fmt: skip
    duplicate = lead_create(
        actor=sales.manager, name="刘建华", phone="+86 138-1762-3301", email="liu@shenyuan.cn", title="总监",
        budget="confirmed", source=sales.website, region="east", note="展会名片",
    )  # fmt: skip
    assert duplicate.duplicate_of == keep
    return keep, duplicate


def snapshot():
    return list(Lead.objects.order_by("pk").values_list("status", "email", "title", "grade", "disqualify_reason"))


def test_a_manager_merges_a_duplicate_into_the_lead_that_stays(sales, pair):
    keep, duplicate = pair
    assert (keep.grade, keep.score) == ("C", 30)

    lead_merge(actor=sales.manager, keep=keep, duplicate=duplicate)

    keep.refresh_from_db()
    duplicate.refresh_from_db()
    assert (keep.email, keep.title, keep.budget, keep.company, keep.note) == (
        "liu@shenyuan.cn",
        "总监",
        "confirmed",
        "上海申远",
        "展会名片",
    )
    assert (keep.grade, keep.score, keep.status) == ("B", 50, "new")  # budget confirmed +20, regraded
    assert (duplicate.status, duplicate.disqualify_reason, duplicate.duplicate_of) == (
        "disqualified",
        f"Merged into lead #{keep.pk}",
        keep,
    )
    assert Activity.objects.filter(target_id=duplicate.pk, done_at__isnull=True).count() == 0
    assert Activity.objects.filter(target_id=keep.pk, done_at__isnull=True).count() == 3


def test_a_rep_cannot_merge_and_a_lead_cannot_merge_with_itself(sales, pair):
    keep, duplicate = pair
    before = snapshot()

    with pytest.raises(DomainError) as rep:
        lead_merge(actor=keep.owner, keep=keep, duplicate=duplicate)
    with pytest.raises(DomainError) as itself:
        lead_merge(actor=sales.manager, keep=keep, duplicate=keep)

    assert (rep.value.code, itself.value.code) == ("not_a_manager", "merge_same_lead")
    assert snapshot() == before


def test_the_api_merges_for_a_manager_and_refuses_a_closed_lead(sales, pair):
    keep, duplicate = pair
    client = APIClient()
    client.force_authenticate(sales.manager)

    merged = client.post(f"/api/v1/leads/{keep.pk}/merge/", {"duplicate": duplicate.pk}, format="json")
    again = client.post(f"/api/v1/leads/{keep.pk}/merge/", {"duplicate": duplicate.pk}, format="json")

    assert (merged.status_code, merged.json()["email"]) == (200, "liu@shenyuan.cn")
    assert (again.status_code, again.json()["error"]["code"]) == (400, "lead_closed")
