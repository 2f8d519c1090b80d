"""The grading standard in the admin: a change publishes a new version; a rule that does not parse is refused."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from leads.grading import DEFAULT_RULES, DEFAULT_THRESHOLDS
from leads.models import GradeChange, Lead, Rubric
from leads.services import lead_create
from leads.tests.conftest import COOL
from tests.factories import UserFactory


@pytest.fixture
def admin_client(db) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(UserFactory.create(username="root", is_staff=True, is_superuser=True))
    return client


def test_a_rule_that_does_not_parse_is_refused_and_nothing_is_published(admin_client, sales):
    bad = [
        *DEFAULT_RULES,
        {"field": "budget", "op": "between", "value": "x", "points": 5, "label": "坏规则"},
        {"field": "budget", "op": "eq", "value": "confirmed", "points": "many", "label": "坏分值"},
    ]

    response = admin_client.post(
        "/admin/leads/rubric/add/",
        {"rules": json.dumps(bad), "thresholds": json.dumps(DEFAULT_THRESHOLDS), "note": "试试"},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        f"rule {len(bad) - 1}: unknown op 'between' (one of eq, in, present)",
        f"rule {len(bad)}: points must be a whole number between -1000 and 1000",
    ]
    assert list(Rubric.objects.values_list("version", "active")) == [(1, True)]


def test_a_new_version_is_published_and_regrades_open_leads(admin_client, sales):
    lead = lead_create(actor=sales.manager, name="客户", source=sales.website, region="east", **COOL)
    assert (lead.grade, lead.score) == ("C", 30)
    rules = [{**rule, "points": 40} if rule.get("value") == "3m" else rule for rule in DEFAULT_RULES]

    admin_client.post(
        "/admin/leads/rubric/add/",
        {
            "rules": json.dumps(rules),
            "thresholds": json.dumps(DEFAULT_THRESHOLDS),
            "note": "三个月内加重",
            "regrade_open": "on",
        },
    )

    assert list(Rubric.objects.order_by("version").values_list("version", "active", "note")) == [
        (1, False, "默认分级标准"),
        (2, True, "三个月内加重"),
    ]
    lead.refresh_from_db()
    assert (lead.grade, lead.score, lead.rubric_id) == ("B", 60, Rubric.objects.get(version=2).pk)
    assert list(GradeChange.objects.filter(lead=lead).values_list("previous_grade", "grade", "rubric__version")) == [
        ("C", "B", 2),
        ("", "C", 1),
    ]
    assert Lead.objects.count() == 1
