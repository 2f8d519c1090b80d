"""The stage apps' reminder sources: each kind fires at its moment (and not a minute before) for the right people,
through the source itself and end to end through the engine (the delivery rows), once.

Times are Asia/Shanghai (the company's zone); date reminders fire at 08:00 on their day."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from activities.models import Delivery
from activities.notify import digests_materialize, reminders_materialize
from activities.reminders import Due
from activities.services import activity_log
from contracts import reminders as plan_reminders
from contracts.models import Installment
from contracts.services import contract_create_from_quote, plan_set
from contracts.tests.test_contracts import quote  # noqa: F401 - the fixture (a deal with an accepted quote)
from contracts.tests.test_orders import order  # noqa: F401 - the fixture (its contract signed on 2026-11-25)
from customers.services import account_create
from leads import reminders as lead_reminders
from leads.models import Source
from leads.services import lead_create
from leads.tests.conftest import _english  # noqa: F401 - the quote fixture's; messages asserted in English
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
from receivables import reminders as cash_reminders
from receivables.models import Invoice
from receivables.services import credit_note_issue, invoice_create_from_installment, invoice_issue, payment_record
from receivables.tests.conftest import delivered  # noqa: F401 - the fixture (its order delivered on 2026-11-26)
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MINUTE = timedelta(minutes=1)
HOT: dict[str, Any] = {
    "size": "enterprise", "industry": "软件", "intent": "high", "budget": "confirmed", "timeline": "1m"
}  # fmt: skip


def at(day: int, hour: int, minute: int = 0, month: int = 12, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


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
    draft = quote_create(actor=org.rep, opportunity=deal, valid_until=date(2026, 12, 20))
    quote_set_lines(actor=org.rep, quote=draft, lines=[
        {"description": "MES 软件许可", "unit": "套", "quantity": "3", "unit_price": "1999.99", "tax_rate": "13"},
    ])  # fmt: skip
    return quote_send(actor=org.rep, quote=draft)


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


# --- the payment plan -----------------------------------------------------------------------------------------------
# The delivered fixture's plan: 签约款 ¥9,983.99 due 12-05 (signed 11-25 + 10 days), 到货款 ¥19,967.98 due 12-26
# (delivered 11-26 + 30), 验收款 ¥3,328.00 with no date yet (acceptance + 15).


def installment(label: str) -> Installment:
    return Installment.objects.get(label=label)


def test_an_open_installment_reminds_the_contract_owner_seven_days_and_one_day_before_it_is_due(org, delivered):  # noqa: F811
    # when
    before_d7, d7 = just_before_and_at(plan_reminders.installments_due, at(28, 8, month=11))
    before_d1, d1 = just_before_and_at(plan_reminders.installments_due, at(4, 8))

    # then
    assert (before_d7, before_d1) == ([], [])
    message = (
        "Installment %(installment)s of contract %(contract)s (%(customer)s) is due on %(date)s, in %(days)s day(s): "
        "%(amount)s to collect."
    )
    params = {"installment": "签约款", "contract": delivered.contract.number, "customer": "苏州金桥精密机械",
              "date": "2026-12-05", "amount": "¥9,983.99"}  # fmt: skip
    assert summary(d7 + d1) == [
        ("installment_due", installment("签约款"), "d7:2026-12-05", org.rep.pk, at(28, 8, month=11), message,
         {**params, "days": "7"}),
        ("installment_due", installment("签约款"), "d1:2026-12-05", org.rep.pk, at(4, 8), message,
         {**params, "days": "1"}),
    ]  # fmt: skip
    assert [(d.target, d.occurrence) for d in run(plan_reminders.installments_due, at(19, 7), at(25, 8))] == [
        (installment("到货款"), "d7:2026-12-26"),
        (installment("到货款"), "d1:2026-12-26"),
    ]


def test_the_plan_of_an_unsigned_contract_reminds_nobody(org, quote):  # noqa: F811
    # given
    contract = contract_create_from_quote(actor=org.rep, quote=quote)
    plan_set(actor=org.rep, contract=contract, installments=[
        {"label": "全款", "milestone": "date", "percent": "100", "due_on": "2026-12-10"},
    ])  # fmt: skip

    # then
    assert run(plan_reminders.installments_due, at(1, 0), at(31, 0)) == []


def test_installment_reminders_end_to_end_are_delivered_once_each(org, delivered):  # noqa: F811
    # when
    for now in (at(28, 8, month=11), at(28, 9, month=11), at(4, 8), at(4, 8, 30)):
        reminders_materialize(now=now)

    # then
    text = f"Installment 签约款 of contract {delivered.contract.number} (苏州金桥精密机械) is due on 2026-12-05, in %s"
    assert deliveries("installment_due") == [
        ("installment_due", org.rep.pk, "d1:2026-12-05", "inbox", text % "1 day(s): ¥9,983.99 to collect."),
        ("installment_due", org.rep.pk, "d7:2026-12-05", "inbox", text % "7 day(s): ¥9,983.99 to collect."),
    ]


# --- invoices -------------------------------------------------------------------------------------------------------


@pytest.fixture
def invoice(org, delivered, travel) -> Invoice:  # noqa: F811
    """签约款 invoiced by finance on 2026-11-27: ¥9,983.99, due 12-05, owned by the rep."""
    travel(at(27, 10, month=11))
    draft = invoice_create_from_installment(actor=org.finance, installment=installment("签约款"))
    issued = invoice_issue(actor=org.finance, invoice=draft)
    assert (issued.due_on, issued.total, issued.owner) == (date(2026, 12, 5), Decimal("9983.99"), org.rep)
    return issued


def test_an_open_invoice_reminds_its_owner_seven_days_and_one_day_before_it_is_due(org, invoice):
    # when
    before_d7, d7 = just_before_and_at(cash_reminders.invoices_due, at(28, 8, month=11))
    before_d1, d1 = just_before_and_at(cash_reminders.invoices_due, at(4, 8))

    # then
    assert (before_d7, before_d1) == ([], [])
    message = "Invoice %(invoice)s to %(customer)s is due on %(date)s, in %(days)s day(s): %(amount)s still open."
    params = {"invoice": invoice.number, "customer": "苏州金桥精密机械", "date": "2026-12-05", "amount": "¥9,983.99"}
    assert summary(d7 + d1) == [
        ("invoice_due", invoice, "d7:2026-12-05", org.rep.pk, at(28, 8, month=11), message, {**params, "days": "7"}),
        ("invoice_due", invoice, "d1:2026-12-05", org.rep.pk, at(4, 8), message, {**params, "days": "1"}),
    ]


ESCALATED = (
    "Escalation level %(level)s: invoice %(invoice)s to %(customer)s (owner %(owner)s) is %(days)s days overdue "
    "since %(date)s: %(amount)s still open."
)


def test_an_overdue_invoice_escalates_to_the_owner_then_their_manager_then_finance_each_level_once(org, invoice):
    # given
    level_1, level_2, level_3 = at(6, 8), at(20, 8), at(4, 8, month=1, year=2027)
    params = {"invoice": invoice.number, "customer": "苏州金桥精密机械", "date": "2026-12-05", "amount": "¥9,983.99",
              "owner": str(org.rep)}  # fmt: skip

    # when / then: nothing until each level's moment, then exactly its people
    for moment, level, days, people, message in (
        (level_1, 1, 1, [org.rep],
         "Invoice %(invoice)s to %(customer)s was due on %(date)s and is %(days)s day(s) overdue: %(amount)s still "
         "open. Please chase the payment."),
        (level_2, 2, 15, [org.manager], ESCALATED),
        (level_3, 3, 30, [org.finance], ESCALATED),
    ):  # fmt: skip
        before, on_time = just_before_and_at(cash_reminders.invoices_overdue, moment)
        assert before == []
        assert summary(on_time) == [
            ("invoice_overdue", invoice, f"level-{level}:2026-12-05", person.pk, moment, message,
             {**params, "days": str(days), "level": str(level)})
            for person in people
        ]  # fmt: skip
    assert run(cash_reminders.invoices_overdue, level_1, level_2 - MINUTE) == []
    assert run(cash_reminders.invoices_overdue, level_3, at(31, 0, month=3, year=2027)) == []


def test_escalation_end_to_end_each_level_once_to_each_person_on_both_channels(org, invoice):
    # when: the beat ticks at every level, twice, and in between
    for now in (at(6, 8), at(6, 8), at(12, 8), at(20, 8), at(20, 9), at(4, 8, month=1, year=2027)) * 2:
        reminders_materialize(now=now)

    # then
    number = invoice.number
    rows = Delivery.objects.filter(kind="invoice_overdue").order_by("occurrence", "channel")
    assert [(r.occurrence, r.recipient, r.channel, r.due_at) for r in rows] == [
        ("level-1:2026-12-05", org.rep, "email", at(6, 8)),
        ("level-1:2026-12-05", org.rep, "inbox", at(6, 8)),
        ("level-2:2026-12-05", org.manager, "email", at(20, 8)),
        ("level-2:2026-12-05", org.manager, "inbox", at(20, 8)),
        ("level-3:2026-12-05", org.finance, "email", at(4, 8, month=1, year=2027)),
        ("level-3:2026-12-05", org.finance, "inbox", at(4, 8, month=1, year=2027)),
    ]
    assert [r.message % r.params for r in rows if r.channel == "inbox"] == [
        f"Invoice {number} to 苏州金桥精密机械 was due on 2026-12-05 and is 1 day(s) overdue: ¥9,983.99 still open. "
        "Please chase the payment.",
        f"Escalation level 2: invoice {number} to 苏州金桥精密机械 (owner {org.rep}) is 15 days overdue since "
        "2026-12-05: ¥9,983.99 still open.",
        f"Escalation level 3: invoice {number} to 苏州金桥精密机械 (owner {org.rep}) is 30 days overdue since "
        "2026-12-05: ¥9,983.99 still open.",
    ]


def test_a_part_payment_lowers_the_amount_and_full_payment_stops_the_escalation(org, invoice, travel):
    # given: level 1 went out; ¥5,000.00 arrives on 12-10
    reminders_materialize(now=at(6, 8))
    travel(at(10, 11))
    payment_record(actor=org.finance, account=invoice.account, payer="苏州金桥精密机械", received_on=date(2026, 12, 10),
                   amount="5000.00", allocations=[(invoice, "5000.00")])  # fmt: skip

    # then: level 2 still goes, for what is left
    assert [d.params["amount"] for d in run(cash_reminders.invoices_overdue, at(20, 7), at(20, 8))] == ["¥4,983.99"]

    # given: the rest arrives on 12-19, before level 2
    travel(at(19, 16))
    payment_record(actor=org.finance, account=invoice.account, payer="苏州金桥精密机械", received_on=date(2026, 12, 19),
                   amount="4983.99", allocations=[(invoice, "4983.99")])  # fmt: skip

    # when
    for now in (at(20, 8), at(20, 9), at(4, 8, month=1, year=2027)):
        reminders_materialize(now=now)

    # then
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    assert list(Delivery.objects.filter(kind="invoice_overdue").values_list("occurrence", "recipient_id")) == [
        ("level-1:2026-12-05", org.rep.pk),
        ("level-1:2026-12-05", org.rep.pk),
    ]


def test_an_invoice_and_installment_paid_before_their_day_remind_nobody(org, invoice, travel):
    # given: paid in full on 11-30
    travel(at(30, 15, month=11))
    payment_record(actor=org.finance, account=invoice.account, payer="苏州金桥精密机械", received_on=date(2026, 11, 30),
                   amount="9983.99", allocations=[(invoice, "9983.99")])  # fmt: skip

    # then
    assert installment("签约款").settled_on == date(2026, 11, 30)
    assert run(plan_reminders.installments_due, at(4, 7), at(4, 8)) == []
    assert run(cash_reminders.invoices_due, at(4, 7), at(4, 8)) == []
    assert run(cash_reminders.invoices_overdue, at(1, 0), at(31, 0, month=3, year=2027)) == []


def test_a_credited_invoice_is_neither_due_nor_escalated(org, invoice):
    # given
    credit_note_issue(actor=org.finance, invoice=invoice, amount="9983.99", reason="合同变更，整张冲红")

    # then
    invoice.refresh_from_db()
    assert invoice.status == "credited"
    assert run(cash_reminders.invoices_due, at(1, 0, month=11), at(31, 0)) == []
    assert run(cash_reminders.invoices_overdue, at(1, 0), at(31, 0, month=3, year=2027)) == []


def test_nobody_manages_the_owner_so_level_two_goes_to_finance(org, invoice):
    # given: the invoice belongs to the top manager
    Invoice.objects.filter(pk=invoice.pk).update(owner=org.parent_manager)

    # then: the escalation still reaches someone
    level_2 = run(cash_reminders.invoices_overdue, at(20, 7), at(20, 8))
    assert [(d.occurrence, d.recipient_id) for d in level_2] == [("level-2:2026-12-05", org.finance.pk)]


def test_escalation_days_are_configurable(org, invoice, settings):
    # given
    settings.REMINDER_ESCALATION_DAYS = (3, 10)

    # when
    dues = run(cash_reminders.invoices_overdue, at(1, 0), at(31, 0, month=3, year=2027))

    # then
    assert [(d.occurrence, d.recipient_id, d.at) for d in dues] == [
        ("level-1:2026-12-05", org.rep.pk, at(8, 8)),
        ("level-2:2026-12-05", org.manager.pk, at(15, 8)),
    ]


def test_the_digest_lists_the_invoices_to_chase_for_the_owner_and_finance(org, invoice):
    # given
    line = f"- {invoice.number} 苏州金桥精密机械: ¥9,983.99 open, 3 day(s) overdue"

    # then
    assert cash_reminders.invoices_to_chase(org.rep, date(2026, 12, 5)) == []  # due today: not overdue yet
    assert cash_reminders.invoices_to_chase(org.rep, date(2026, 12, 8)) == ["Invoices to chase (1)", line]
    assert cash_reminders.invoices_to_chase(org.finance, date(2026, 12, 8)) == ["Invoices to chase (1)", line]
    assert cash_reminders.invoices_to_chase(org.teammate, date(2026, 12, 8)) == []


def test_the_morning_digest_of_the_owner_carries_the_invoices_to_chase(org, invoice):
    # given
    for person in (org.rep, org.finance):
        person.language = "en"
        person.save(update_fields=["language"])

    # when
    digests_materialize(now=at(8, 9))

    # then
    line = f"- {invoice.number} 苏州金桥精密机械: ¥9,983.99 open, 3 day(s) overdue"
    digests = Delivery.objects.filter(kind="digest").order_by("recipient_id")
    assert [(d.recipient, d.occurrence, d.params["body"]) for d in digests] == [
        (org.rep, "2026-12-08", f"Invoices to chase (1)\n{line}"),
        (org.finance, "2026-12-08", f"Invoices to chase (1)\n{line}"),
    ]
