"""The stage apps' reminder sources: each kind fires at its moment (and not a minute before) for the right people,
through the source itself and end to end through the engine (the delivery rows), once.

Times are Asia/Shanghai (the company's zone); date reminders fire at 08:00 on their day."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from activities.models import Delivery
from activities.notify import reminders_materialize
from activities.reminders import Due
from activities.services import activity_log
from customers.services import account_create
from leads import reminders as lead_reminders
from leads.models import Source
from leads.services import lead_create
from opportunities import reminders as deal_reminders
from opportunities.models import LostReason, Requirement, Stage
from opportunities.services import (
    opportunity_create,
    opportunity_lose,
    opportunity_move,
    quote_accept,
    quote_create,
    quote_send,
    quote_set_lines,
    requirement_tick,
)
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MINUTE = timedelta(minutes=1)
HOT: dict[str, Any] = {
    "size": "enterprise", "industry": "软件", "intent": "high", "budget": "confirmed", "timeline": "1m"
}  # fmt: skip


def at(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def run(source: Any, since: datetime, now: datetime) -> list[Due]:
    return list(source(since, now))


def just_before_and_at(source: Any, moment: datetime) -> tuple[list[Due], list[Due]]:
    """What the source yields over the hour ending a minute before ``moment``, and over the minute ending at it."""
    return run(source, moment - timedelta(hours=1) - MINUTE, moment - MINUTE), run(source, moment - MINUTE, moment)


def summary(dues: Iterable[Due]) -> list[tuple[str, Any, str, int, datetime, str, dict[str, str]]]:
    return [(d.kind, d.target, d.occurrence, d.recipient_id, d.at, d.message, d.params) for d in dues]


def deliveries(*kinds: str) -> list[tuple[str, int, str, str, str]]:
    rows = Delivery.objects.filter(kind__in=kinds).order_by("kind", "recipient_id", "occurrence", "channel")
    return [(r.kind, r.recipient_id, r.occurrence, r.channel, r.message % r.params) for r in rows]


@pytest.fixture
def travel() -> Iterator[Any]:
    """Move the frozen clock: ``travel(moment)``."""
    travellers: list[Any] = []

    def go(moment: datetime) -> None:
        if travellers:
            travellers.pop().stop()
        traveller = time_machine.travel(moment, tick=False)
        traveller.start()
        travellers.append(traveller)

    yield go
    for traveller in travellers:
        traveller.stop()


# --- leads ----------------------------------------------------------------------------------------------------------


@pytest.fixture
def hot_lead(org, travel) -> Any:
    """An A lead the rep captured on 2026-12-01 10:00: first contact due within 24 hours, by 12-02 10:00."""
    travel(at(1, 10))
    lead = lead_create(
        actor=org.rep, owner=org.rep, name="王磊", company="星河科技", source=Source.objects.get(code="website"), **HOT
    )
    assert (lead.grade, lead.first_contact_due_at) == ("A", at(2, 10))
    return lead


def test_first_contact_due_soon_warns_the_owner_two_hours_before_the_deadline(org, hot_lead):
    # when
    before, on_time = just_before_and_at(lead_reminders.first_contact_due_soon, at(2, 8))

    # then
    assert before == []
    assert summary(on_time) == [
        (
            "first_contact_due_soon",
            hot_lead,
            "deadline-20261202T1000",
            org.rep.pk,
            at(2, 8),
            "First contact with lead %(lead)s is due by %(deadline)s.",
            {"lead": "王磊 · 星河科技", "deadline": "2026-12-02 10:00"},
        )
    ]


def test_first_contact_due_soon_stays_quiet_once_the_lead_was_contacted_or_the_deadline_passed(org, hot_lead, travel):
    # given: the beat was down until after the deadline
    assert run(lead_reminders.first_contact_due_soon, at(2, 7), at(2, 10, 1)) == []

    # given: contacted the evening before
    travel(at(1, 18))
    activity_log(actor=org.rep, target=hot_lead, kind="call", subject="首次电话")

    # then
    assert run(lead_reminders.first_contact_due_soon, at(2, 7), at(2, 9)) == []


def test_a_missed_first_contact_reminds_the_owner_and_their_manager_at_the_deadline(org, hot_lead):
    # when
    before, on_time = just_before_and_at(lead_reminders.first_contact_missed, at(2, 10))

    # then
    assert before == []
    assert summary(on_time) == [
        (
            "first_contact_missed",
            hot_lead,
            "deadline-20261202T1000",
            org.rep.pk,
            at(2, 10),
            "First contact with lead %(lead)s was due by %(deadline)s and has not happened yet.",
            {"lead": "王磊 · 星河科技", "deadline": "2026-12-02 10:00"},
        ),
        (
            "first_contact_missed",
            hot_lead,
            "deadline-20261202T1000",
            org.manager.pk,
            at(2, 10),
            "%(owner)s has not contacted lead %(lead)s, due by %(deadline)s.",
            {"lead": "王磊 · 星河科技", "owner": str(org.rep), "deadline": "2026-12-02 10:00"},
        ),
    ]


def test_a_lead_contacted_in_time_misses_nothing(org, hot_lead, travel):
    # given
    travel(at(2, 9, 59))
    activity_log(actor=org.rep, target=hot_lead, kind="email", subject="发送资料")

    # then
    assert run(lead_reminders.first_contact_missed, at(2, 9), at(2, 11)) == []


def test_the_deadline_is_written_on_the_recipients_own_clock(org, hot_lead):
    # given
    org.manager.time_zone = "Europe/Berlin"
    org.manager.save(update_fields=["time_zone"])

    # when
    dues = run(lead_reminders.first_contact_missed, at(2, 9), at(2, 10))

    # then
    assert [(d.recipient_id, d.params["deadline"]) for d in dues] == [
        (org.rep.pk, "2026-12-02 10:00"),
        (org.manager.pk, "2026-12-02 03:00"),
    ]


def test_a_lead_with_no_contact_for_seven_days_reminds_its_owner_once_per_silence(org, hot_lead, travel):
    # given: contacted on 12-03 at 15:00, then silence
    travel(at(3, 15))
    activity_log(actor=org.rep, target=hot_lead, kind="call", subject="首次电话")
    travel(at(5, 9))
    activity_log(actor=org.rep, target=hot_lead, kind="note", subject="内部备注：不是接触")

    # when
    before, on_time = just_before_and_at(lead_reminders.leads_stale, at(10, 8))

    # then
    assert before == []
    assert summary(on_time) == [
        (
            "lead_stale",
            hot_lead,
            "touch-2026-12-03",
            org.rep.pk,
            at(10, 8),
            "Lead %(lead)s has had no contact for %(days)s days (last on %(last)s).",
            {"lead": "王磊 · 星河科技", "days": "7", "last": "2026-12-03"},
        )
    ]

    # when: touched again on 12-12, then silent again
    travel(at(12, 11))
    activity_log(actor=org.rep, target=hot_lead, kind="visit", subject="上门拜访")

    # then: the old silence is over, a new one reminds on 12-19
    assert run(lead_reminders.leads_stale, at(10, 7), at(10, 9)) == []
    assert run(lead_reminders.leads_stale, at(18, 9), at(19, 7, 59)) == []
    assert [(d.occurrence, d.at) for d in run(lead_reminders.leads_stale, at(19, 7, 59), at(19, 8))] == [
        ("touch-2026-12-12", at(19, 8))
    ]


def test_stale_days_are_configured_per_lead_status(org, hot_lead, travel, settings):
    # given: contacted leads go stale after 3 days, new ones never
    settings.REMINDER_LEAD_STALE_DAYS = {"new": 0, "contacted": 3}
    untouched = lead_create(actor=org.rep, owner=org.rep, name="李娜", source=Source.objects.get(code="website"), **HOT)
    travel(at(3, 15))
    activity_log(actor=org.rep, target=hot_lead, kind="call", subject="首次电话")

    # when
    dues = run(lead_reminders.leads_stale, at(1, 0), at(31, 0))

    # then
    assert untouched.status == "new"
    assert [(d.target, d.occurrence, d.at, d.params["days"]) for d in dues] == [
        (hot_lead, "touch-2026-12-03", at(6, 8), "3")
    ]


def test_closed_and_unowned_leads_are_never_stale(org, hot_lead):
    # given
    hot_lead.status = "disqualified"
    hot_lead.disqualify_reason = "重复"
    hot_lead.save(update_fields=["status", "disqualify_reason"])

    # then
    assert run(lead_reminders.leads_stale, at(1, 0), at(31, 0)) == []


def test_lead_reminders_end_to_end_are_delivered_once_each(org, hot_lead):
    # when: the beat ticks at the warning, at the deadline and a week later, each twice
    for now in (at(2, 8), at(2, 8), at(2, 10), at(2, 10), at(8, 8), at(8, 8)):
        reminders_materialize(now=now)

    # then
    assert deliveries("first_contact_due_soon", "first_contact_missed", "lead_stale") == [
        ("first_contact_due_soon", org.rep.pk, "deadline-20261202T1000", "inbox",
         "First contact with lead 王磊 · 星河科技 is due by 2026-12-02 10:00."),
        ("first_contact_missed", org.manager.pk, "deadline-20261202T1000", "inbox",
         f"{org.rep} has not contacted lead 王磊 · 星河科技, due by 2026-12-02 10:00."),
        ("first_contact_missed", org.rep.pk, "deadline-20261202T1000", "inbox",
         "First contact with lead 王磊 · 星河科技 was due by 2026-12-02 10:00 and has not happened yet."),
        ("lead_stale", org.rep.pk, "touch-2026-12-01", "inbox",
         "Lead 王磊 · 星河科技 has had no contact for 7 days (last on 2026-12-01)."),
    ]  # fmt: skip


# --- deals and quotes -----------------------------------------------------------------------------------------------


@pytest.fixture
def deal(org, travel) -> Any:
    """A deal the rep opened on 2026-12-01 10:00 at the first stage, 商机确认 (Qualification)."""
    travel(at(1, 10))
    account = account_create(actor=org.rep, owner=org.rep, name="苏州金桥精密机械", size="small")
    return opportunity_create(actor=org.rep, account=account, name="金桥 MES 一期")


def test_a_deal_without_activity_for_fourteen_days_reminds_its_owner(org, deal):
    # when
    before, on_time = just_before_and_at(deal_reminders.deals_stale, at(15, 8))

    # then
    assert before == []
    assert summary(on_time) == [
        (
            "deal_stale",
            deal,
            "activity-2026-12-01",
            org.rep.pk,
            at(15, 8),
            "Deal %(deal)s (%(account)s) has had no activity for %(days)s days (last on %(last)s).",
            {"deal": "金桥 MES 一期", "account": "苏州金桥精密机械", "days": "14", "last": "2026-12-01"},
        )
    ]


def test_a_done_activity_or_a_stage_change_restarts_the_silence(org, deal, travel):
    # given: a note on 12-03, then the deal moves to 需求分析 on 12-05
    travel(at(3, 16))
    activity_log(actor=org.rep, target=deal, kind="note", subject="客户内部在走预算")
    assert [d.occurrence for d in run(deal_reminders.deals_stale, at(17, 7), at(17, 8))] == ["activity-2026-12-03"]
    travel(at(5, 9))
    ContactFactory.create(account=deal.account, owner=org.rep, role="decision_maker")
    analysis = Stage.objects.get(pipeline=deal.pipeline, name="需求分析")
    for requirement in Requirement.objects.filter(stage=analysis, verified_by="manual"):
        requirement_tick(actor=org.rep, opportunity=deal, requirement=requirement)
    opportunity_move(actor=org.rep, opportunity=deal, stage=analysis, version=deal.version)

    # then
    assert run(deal_reminders.deals_stale, at(1, 0), at(19, 7, 59)) == []
    assert [(d.occurrence, d.at) for d in run(deal_reminders.deals_stale, at(19, 7, 59), at(19, 8))] == [
        ("activity-2026-12-05", at(19, 8))
    ]


@pytest.mark.parametrize(
    ("configured", "fires_on"),
    [
        ({"商机确认": 3, "open": 10}, at(4, 8)),  # the stage's name first
        ({"Qualification": 5, "open": 10}, at(6, 8)),  # or its English name
        ({"open": 10}, at(11, 8)),  # else its category
        ({"default": 9}, at(10, 8)),  # else the default
    ],
)
def test_stale_days_are_configured_by_stage_name_or_category(deal, settings, configured, fires_on):
    # given
    settings.REMINDER_DEAL_STALE_DAYS = configured

    # when
    dues = run(deal_reminders.deals_stale, at(1, 0), at(31, 0))

    # then
    assert [d.at for d in dues] == [fires_on]


def test_a_stage_set_to_zero_days_and_closed_deals_are_never_stale(org, deal, settings):
    # given
    settings.REMINDER_DEAL_STALE_DAYS = {"商机确认": 0, "open": 14}

    # then
    assert run(deal_reminders.deals_stale, at(1, 0), at(31, 0)) == []

    # given
    settings.REMINDER_DEAL_STALE_DAYS = {"open": 14}
    opportunity_lose(actor=org.rep, opportunity=deal, version=deal.version, reason=LostReason.objects.first())

    # then
    assert run(deal_reminders.deals_stale, at(1, 0), at(31, 0)) == []


@pytest.fixture
def sent_quote(org, deal) -> Any:
    """Sent on 12-01, valid until 12-20 (it expires on 12-21)."""
    quote = quote_create(actor=org.rep, opportunity=deal, valid_until=date(2026, 12, 20))
    quote_set_lines(actor=org.rep, quote=quote, lines=[
        {"description": "MES 软件许可", "unit": "套", "quantity": "3", "unit_price": "1999.99", "tax_rate": "13"},
    ])  # fmt: skip
    return quote_send(actor=org.rep, quote=quote)


def test_a_sent_quote_reminds_the_deal_owner_three_days_before_its_last_valid_day(org, sent_quote):
    # when
    before, on_time = just_before_and_at(deal_reminders.quotes_expiring, at(17, 8))

    # then
    assert before == []
    assert summary(on_time) == [
        (
            "quote_expiring",
            sent_quote,
            "valid-until-2026-12-20",
            org.rep.pk,
            at(17, 8),
            "Quote %(quote)s for deal %(deal)s is valid only until %(date)s: ask the customer to accept it in time.",
            {"quote": str(sent_quote), "deal": "金桥 MES 一期", "date": "2026-12-20"},
        )
    ]
    assert run(deal_reminders.quotes_expiring, at(17, 8), at(31, 0)) == []


def test_an_accepted_quote_has_no_expiry_reminder(org, sent_quote, travel):
    # given
    travel(at(10, 9))
    quote_accept(actor=org.rep, quote=sent_quote)

    # then
    assert run(deal_reminders.quotes_expiring, at(1, 0), at(31, 0)) == []


def test_a_sent_quote_of_a_lost_deal_has_no_expiry_reminder(org, deal, sent_quote):
    # given
    opportunity_lose(actor=org.rep, opportunity=deal, version=deal.version, reason=LostReason.objects.first())

    # then
    sent_quote.refresh_from_db()
    assert sent_quote.status == "sent"
    assert run(deal_reminders.quotes_expiring, at(1, 0), at(31, 0)) == []


def test_deal_reminders_end_to_end_are_delivered_once_each(org, deal, sent_quote):
    # when
    for now in (at(15, 8), at(15, 8, 1), at(17, 8), at(17, 9)):
        reminders_materialize(now=now)

    # then
    assert deliveries("deal_stale", "quote_expiring") == [
        ("deal_stale", org.rep.pk, "activity-2026-12-01", "inbox",
         "Deal 金桥 MES 一期 (苏州金桥精密机械) has had no activity for 14 days (last on 2026-12-01)."),
        ("quote_expiring", org.rep.pk, "valid-until-2026-12-20", "inbox",
         f"Quote {sent_quote} for deal 金桥 MES 一期 is valid only until 2026-12-20: ask the customer to accept it "
         "in time."),
    ]  # fmt: skip
