"""The review pack on the quarter of conftest.py, worked out by hand, and the Monday email.

Team A in February 2025: O3 entered Qualification on 02-04 and was lost on 02-20 (two stage changes); C1
(¥11,300.00, 02-03) and C4 (¥22,600.00, 02-15) signed; no cash. Qualification's stays that ended in the year up
to 02-28: O1 4 days, O3 16 → 80th percentile 4 + 0.8 × 12 = 13.6 days; O4 has stood in Qualification since 01-25
09:00, at the end of February (03-01 00:00) 34 days 15 hours = 34.6 days: stalled. Overdue at 02-28: C1's
signing invoice ¥3,390.00, due 02-13, 15 days.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from activities.models import Delivery
from activities.notify import deliveries_claim, delivery_send
from insights.forms import NOT_YOUR_TEAM
from insights.reminders import REVIEW_PACK, review_packs_materialize
from insights.review import MONTH, WEEK, review_pack, review_period
from insights.scope import Scope
from insights.tests.conftest import TZ

FEB = {"start": date(2025, 2, 1), "end": date(2025, 2, 28)}
D = Decimal


def test_the_pack_of_a_team_and_month(quarter, org):
    pack = review_pack(Scope.build(user=org.manager, team=org.team_a.pk, **FEB), MONTH)

    assert pack.label == "2025-02" and pack.team == str(org.team_a)
    assert pack.moves_count == 2
    assert [(m.deal_id, m.from_stage, m.to_stage) for m in pack.moves] == [
        (quarter.deals["O3"].pk, "Qualification", "Lost"), (quarter.deals["O3"].pk, "", "Qualification"),
    ]  # fmt: skip
    assert [(c.id, c.total) for c in pack.signed] == [
        (quarter.contracts["C1"].pk, D("11300.00")), (quarter.contracts["C4"].pk, D("22600.00")),
    ]  # fmt: skip
    assert pack.bookings == D("33900.00") and pack.cash == [] and pack.cash_total == D("0")
    assert [(s.deal_id, s.owner, s.stage, s.days, s.p80) for s in pack.stalled] == [
        (quarter.deals["O4"].pk, str(org.teammate), "Qualification", 34.6, 13.6),
    ]  # fmt: skip
    assert [(s.key, s.count) for s in pack.funnel.stages] == [
        ("leads", 1), ("opportunities", 1), ("won", 1), ("signed", 2), ("accepted", 1), ("cash", 0),
    ]  # fmt: skip
    assert not pack.has_targets
    assert [(i.number, i.open, i.days) for i in pack.overdue_lines] == [
        (quarter.contracts["C1"].installments.get(position=1).invoices.get().number, D("3390.00"), 15),
    ]


def test_a_week_is_monday_to_sunday_and_a_month_its_calendar_month():
    assert review_period(WEEK, date(2025, 3, 13)) == (date(2025, 3, 10), date(2025, 3, 16))
    assert review_period(MONTH, date(2025, 2, 13)) == (date(2025, 2, 1), date(2025, 2, 28))


def test_a_reps_pack_is_their_own(quarter, org):
    pack = review_pack(Scope.build(user=org.rep, **FEB), MONTH)

    assert [c.id for c in pack.signed] == [quarter.contracts["C1"].pk]
    assert pack.stalled == []  # O4 is the teammate's


def test_the_page_prints_the_sections_and_refuses_another_team(quarter, org, client):
    client.force_login(org.manager)
    client.cookies["ltc_language"] = "en"

    page = client.get(f"/insights/review/?team={org.team_a.pk}&period=month&start=2025-02-10").content.decode()
    default = client.get("/insights/review/?period=month&start=2025-02-01").content.decode()
    refused = client.get(f"/insights/review/?team={org.team_b.pk}&period=week&start=2025-02-10")
    bad = client.get("/insights/review/?period=year&start=someday")
    empty = client.get(f"/insights/review/?team={org.team_a.pk}&period=week&start=2024-06-03").content.decode()

    assert 'id="ltc-review-period">2025-02<' in page
    assert "¥33,900.00" in page and "HT2025-0002" in page and "34.6" in page and "No targets set." in page
    assert "css/print.css" in page and "d-print-none" in page
    assert str(org.team_a) in default and "¥33,900.00" in default  # a manager's own team unless asked
    assert refused.status_code == 200
    assert str(NOT_YOUR_TEAM) in refused.content.decode().replace("&#x27;", "'")
    assert "ltc-review-moved" not in refused.content.decode()
    assert bad.status_code == 200 and "Some filters are not valid" in bad.content.decode()
    assert "Nothing moved in this period." in empty and "Nothing overdue." in empty


def test_the_page_has_a_query_budget(quarter, org, client):
    client.force_login(org.manager)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/insights/review/?team={org.team_a.pk}&period=month&start=2025-02-01")
    assert response.status_code == 200
    assert len(queries) <= 70


MONDAY = datetime(2025, 3, 17, 8, 0, tzinfo=TZ)


@pytest.fixture
def english_managers(org):
    for person in (org.parent_manager, org.manager, org.sub_manager):
        person.language = "en"
        person.save(update_fields=["language"])


def test_monday_at_eight_one_pack_per_manager_once_and_the_email_lists_the_teams_figures(
    quarter, org, english_managers
):
    with time_machine.travel(MONDAY, tick=False):
        first = review_packs_materialize()
        second = review_packs_materialize()
        ids = deliveries_claim(worker="w")
        outcomes = [delivery_send(delivery_id=i, worker="w") for i in ids]

    deliveries = Delivery.objects.filter(kind=REVIEW_PACK).order_by("recipient_id")
    assert (first.created, second.created) == (3, 0)
    assert [(d.recipient_id, d.target_id, d.occurrence, d.channel) for d in deliveries] == sorted([
        (org.parent_manager.pk, org.team_a.parent_id, "2025-W11", "email"),
        (org.manager.pk, org.team_a.pk, "2025-W11", "email"),
        (org.sub_manager.pk, org.team_sub.pk, "2025-W11", "email"),
    ])  # fmt: skip
    assert outcomes == ["sent", "sent", "sent"]
    email = next(m for m in mail.outbox if m.to == [org.manager.email])
    assert email.subject == f"Review pack 2025-W11: {org.team_a}"
    # the week 03-10 – 03-16: ¥5,000.00 from C1's customer on 03-10; the teammate's O4 still stalled
    assert "2025-03-10 – 2025-03-16" in email.body
    assert "- Cash received: ¥5,000.00" in email.body and quarter.contracts["C1"].account.name in email.body
    assert "What stalled (1)" in email.body and "Qualification for 50.6 days" in email.body
    assert "No targets set." in email.body
    assert f"/insights/review/?team={org.team_a.pk}&period=week&start=2025-03-10" in email.body
    sub = next(m for m in mail.outbox if m.to == [org.sub_manager.email])
    assert "¥5,000.00" not in sub.body  # another team's figures are not in the sub-team's pack


@pytest.mark.parametrize("moment", [datetime(2025, 3, 17, 7, 59, tzinfo=TZ), datetime(2025, 3, 18, 8, 0, tzinfo=TZ)])
def test_no_pack_outside_monday_morning(quarter, org, moment):
    with time_machine.travel(moment, tick=False):
        assert review_packs_materialize().created == 0
    assert not Delivery.objects.filter(kind=REVIEW_PACK).exists()
