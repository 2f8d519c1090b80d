"""Audit: every write to a tracked record leaves who, what and when, shown on the record's timeline."""

from __future__ import annotations

from django.db import connection
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from customers.models import Account
from customers.services import account_create
from ltc.audit import acting_as, record_history


def test_service_writes_record_the_actor_and_the_change(org):
    # given an account created by the rep
    account = account_create(actor=org.rep, owner=org.rep, name="无锡太湖环保科技", city="无锡")
    # when the manager changes the city
    with acting_as(org.manager):
        account.city = "苏州"
        account.save()
    # then the history holds both events, newest first, with actor and diff
    history = record_history(account)
    assert [(e.label, e.actor) for e in history] == [("update", org.manager), ("insert", org.rep)]
    changes = {(c.field, c.before, c.after) for c in history[0].changes}
    assert ("city", "无锡", "苏州") in changes


def test_raw_sql_updates_are_captured_too(org, org_accounts):
    account = org_accounts.own

    with connection.cursor() as cursor:
        cursor.execute("UPDATE customers_account SET industry = %s WHERE id = %s", ["制造", account.pk])

    latest = record_history(account)[0]
    assert latest.label == "update"
    assert latest.actor is None  # no one claimed it: shown as the system
    assert [(c.field, c.after) for c in latest.changes if c.field == "industry"] == [("industry", "制造")]


def test_password_changes_never_reach_the_history(org):
    org.rep.set_password("another-pass-123")
    org.rep.save()

    fields = {c.field for entry in record_history(org.rep) for c in entry.changes}

    assert "password" not in fields


def test_timeline_shows_on_the_record_page(org):
    account = account_create(actor=org.rep, owner=org.rep, name="合肥科创仪器", city="合肥")
    with acting_as(org.rep):
        account.city = "芜湖"
        account.save()
    client = Client()
    client.force_login(org.rep)

    html = client.get(
        reverse("customers:account_detail", args=[account.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert "History" in html
    assert '<span class="fw-semibold">city</span>: <del>合肥</del> → <ins>芜湖</ins>' in html
    assert html.count('class="ltc-timeline-entry"') == 2


def test_request_writes_are_attributed_to_the_signed_in_user(org):
    client = APIClient()
    client.force_authenticate(org.rep)

    response = client.post("/api/v1/accounts/", {"name": "温州瓯江阀门"}, format="json")

    history = record_history(Account.objects.get(pk=response.json()["id"]))
    assert [(e.label, e.actor) for e in history] == [("insert", org.rep)]


def test_the_history_reads_as_people_read_it(org, time_machine):
    from datetime import UTC, datetime

    from django.utils import translation

    time_machine.move_to(datetime(2026, 11, 2, 1, 30, tzinfo=UTC), tick=False)
    account = account_create(actor=org.rep, owner=org.rep, name="常州龙城精工", region="east")
    with acting_as(org.manager):
        account.owner = org.teammate
        account.region = "south"
        account.save()

    with translation.override("en"):
        changes = [(c.field, c.label, c.before, c.after) for c in record_history(account)[0].changes]

    # a person by name, a choice by its label; the update stamp and the duplicate key are not news
    assert changes == [
        ("owner_id", "owner", str(org.rep), str(org.teammate)),
        ("region", "region", "East China", "South China"),
    ]
