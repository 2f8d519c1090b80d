"""The reminder engine: materialized once at the right moment for the right person, claimed under a lease,
sent once to the inbox, retried with backoff by email, and the morning digest at 09:00 in each person's zone."""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from activities.models import Channel, Delivery, DeliveryStatus, Notification, NotificationPreference
from activities.notify import (
    FAILED,
    RETRY,
    SENT,
    SKIPPED,
    deliveries_claim,
    deliveries_retry,
    delivery_send,
    digests_materialize,
    reminders_materialize,
)
from activities.reminders import ACTIVITY_DUE, ACTIVITY_OVERDUE, DIGEST, Due, reminder_kind, reminder_source
from activities.services import activity_schedule
from activities.tasks import deliveries_drain_task
from tests.factories import AccountFactory, UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
DUE = datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Any) -> int:
        raise smtplib.SMTPServerDisconnected("the mail server hung up")


def planned_call(org: Any, *, assignee: Any = None, due_at: datetime = DUE, subject: str = "回访张总") -> Any:
    account = AccountFactory.create(name="星河科技", owner=assignee or org.rep)
    with time_machine.travel(due_at - timedelta(days=1), tick=False):
        return activity_schedule(
            actor=org.rep, target=account, kind="call", subject=subject, due_at=due_at, assignee=assignee or org.rep
        )


def a_delivery(
    recipient: Any, *, channel: str = Channel.INBOX, message: str = "Overdue", occurrence: str = "test-1", **extra: Any
) -> Delivery:
    return Delivery.objects.create(
        kind=ACTIVITY_DUE,
        target_type=ContentType.objects.get_for_model(recipient),
        target_id=recipient.pk,
        occurrence=occurrence,
        recipient=recipient,
        channel=channel,
        next_attempt_at=datetime(2026, 12, 1, 2, 0, tzinfo=UTC),
        message=message,
        params=extra.pop("params", {}),
        url=extra.pop("url", "/accounts/1/"),
        due_at=datetime(2026, 12, 1, 2, 0, tzinfo=UTC),
        **extra,
    )


# --- materialize ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_planned_activity_reminds_its_assignee_at_its_due_time_and_not_a_minute_before(org):
    # given
    activity = planned_call(org)

    # when
    early = reminders_materialize(now=DUE - timedelta(minutes=1))
    # then
    assert early.created == 0
    assert Delivery.objects.count() == 0

    # when
    on_time = reminders_materialize(now=DUE)
    # then
    assert (on_time.due, on_time.created) == (1, 1)
    delivery = Delivery.objects.get()
    assert delivery.kind == ACTIVITY_DUE
    assert delivery.recipient == org.rep
    assert delivery.channel == Channel.INBOX
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.target == activity.target
    assert delivery.occurrence == f"activity-{activity.pk}@20261201T020000"
    assert delivery.due_at == DUE
    assert delivery.next_attempt_at == DUE
    assert delivery.message == "Due now: %(subject)s (%(target)s)"
    assert delivery.params == {"subject": "回访张总", "target": "星河科技"}
    assert delivery.on_behalf_of is None
    assert delivery.url == f"/customers/{activity.target_id}/"  # the record's page, where the inbox links to


@pytest.mark.django_db
def test_an_activity_still_not_done_an_hour_after_its_due_time_reminds_again_as_overdue(org):
    # given
    planned_call(org)
    reminders_materialize(now=DUE)

    # when
    reminders_materialize(now=DUE + timedelta(minutes=59))
    # then
    assert list(Delivery.objects.values_list("kind", flat=True)) == [ACTIVITY_DUE]

    # when
    reminders_materialize(now=DUE + timedelta(hours=1))
    # then
    overdue = Delivery.objects.get(kind=ACTIVITY_OVERDUE)
    assert overdue.recipient == org.rep
    assert overdue.due_at == DUE + timedelta(hours=1)
    assert overdue.message == "Overdue, not done yet: %(subject)s (%(target)s)"


@pytest.mark.django_db
def test_a_done_activity_does_not_remind(org):
    # given
    activity = planned_call(org)
    activity.done_at = DUE - timedelta(minutes=5)
    activity.save(update_fields=["done_at"])

    # when
    result = reminders_materialize(now=DUE + timedelta(hours=2))

    # then
    assert result.created == 0
    assert Delivery.objects.count() == 0


@pytest.mark.django_db
def test_materializing_twice_or_from_a_second_beat_creates_one_delivery(org):
    # given
    planned_call(org)

    # when
    first = reminders_materialize(now=DUE)
    second = reminders_materialize(now=DUE)
    later = reminders_materialize(now=DUE + timedelta(minutes=30))

    # then
    assert (first.created, second.created, later.created) == (1, 0, 0)
    assert (second.due, later.due) == (1, 1)
    assert Delivery.objects.count() == 1


@pytest.mark.django_db
def test_a_beat_that_was_down_catches_up_within_the_look_back_and_not_beyond(org):
    # given: two activities, due 23 and 25 hours before the beat comes back
    recent = planned_call(org, due_at=DUE - timedelta(hours=23), subject="recent")
    planned_call(org, due_at=DUE - timedelta(hours=25), subject="too old")

    # when
    result = reminders_materialize(now=DUE)

    # then
    assert result.created == 2  # "recent" due and overdue; "too old" is outside the 24-hour look-back
    assert sorted(Delivery.objects.values_list("kind", "occurrence")) == [
        (ACTIVITY_DUE, f"activity-{recent.pk}@20261130T030000"),
        (ACTIVITY_OVERDUE, f"activity-{recent.pk}@20261130T030000"),
    ]


@pytest.mark.django_db
def test_a_deactivated_assignee_s_reminder_goes_to_their_manager(org):
    # given
    planned_call(org)
    org.rep.is_active = False
    org.rep.save(update_fields=["is_active"])

    # when
    result = reminders_materialize(now=DUE)

    # then
    assert (result.created, result.redirected, result.dropped) == (1, 1, 0)
    delivery = Delivery.objects.get()
    assert delivery.recipient == org.manager
    assert delivery.on_behalf_of == org.rep


@pytest.mark.django_db
def test_a_deactivated_person_nobody_manages_loses_the_reminder_and_it_is_counted(org):
    # given
    planned_call(org, assignee=org.parent_manager)
    org.parent_manager.is_active = False
    org.parent_manager.save(update_fields=["is_active"])

    # when
    result = reminders_materialize(now=DUE)

    # then
    assert (result.created, result.redirected, result.dropped) == (0, 0, 1)
    assert Delivery.objects.count() == 0


@pytest.mark.django_db
def test_a_person_who_chose_email_and_inbox_gets_two_deliveries(org):
    # given
    planned_call(org)
    NotificationPreference.objects.create(user=org.rep, kind=ACTIVITY_DUE, channels="email,inbox")

    # when
    result = reminders_materialize(now=DUE)

    # then
    assert result.created == 2
    assert sorted(Delivery.objects.values_list("channel", "recipient_id")) == [
        ("email", org.rep.pk),
        ("inbox", org.rep.pk),
    ]


@pytest.mark.django_db
def test_a_person_who_turned_a_kind_off_gets_nothing(org):
    # given
    planned_call(org)
    NotificationPreference.objects.create(user=org.rep, kind=ACTIVITY_DUE, channels="")

    # when
    result = reminders_materialize(now=DUE)

    # then
    assert (result.created, result.muted) == (0, 1)
    assert Delivery.objects.filter(kind=ACTIVITY_DUE).count() == 0


@pytest.mark.django_db
def test_email_for_a_person_without_an_address_goes_to_the_inbox(org):
    # given
    org.rep.email = ""
    org.rep.save(update_fields=["email"])
    planned_call(org)
    NotificationPreference.objects.create(user=org.rep, kind=ACTIVITY_DUE, channels="email")

    # when
    reminders_materialize(now=DUE)

    # then
    assert list(Delivery.objects.values_list("channel", flat=True)) == ["inbox"]


@pytest.mark.django_db
def test_a_failing_source_does_not_stop_the_others_and_is_named(org):
    # given
    reminder_kind("test_broken", label="broken")

    @reminder_source
    def broken(since: datetime, now: datetime) -> list[Due]:
        raise RuntimeError("boom")

    planned_call(org)
    try:
        # when
        result = reminders_materialize(now=DUE)
    finally:
        from activities import reminders

        reminders._sources.remove(broken)
        del reminders._kinds["test_broken"]

    # then
    assert result.created == 1
    assert result.failed_sources == [f"{__name__}.{broken.__qualname__}"]
    assert broken.__qualname__.endswith("<locals>.broken")


# --- claim ----------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_live_lease_is_not_claimed_again_an_expired_one_is(org):
    # given
    delivery = a_delivery(org.rep)
    t0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    assert deliveries_claim(worker="w1", lease=timedelta(seconds=120), now=t0) == [delivery.pk]

    # when / then: still held
    assert deliveries_claim(worker="w2", lease=timedelta(seconds=120), now=t0 + timedelta(seconds=119)) == []
    # when / then: w1 died; its lease runs out
    assert deliveries_claim(worker="w2", lease=timedelta(seconds=120), now=t0 + timedelta(seconds=120)) == [delivery.pk]
    delivery.refresh_from_db()
    assert (delivery.claimed_by, delivery.lease_until) == ("w2", t0 + timedelta(seconds=240))

    # when: w1 wakes up and tries to send what is no longer its own
    assert delivery_send(delivery_id=delivery.pk, worker="w1") == SKIPPED
    # then
    assert Notification.objects.count() == 0
    assert delivery_send(delivery_id=delivery.pk, worker="w2") == SENT
    assert Notification.objects.count() == 1


@pytest.mark.django_db
def test_claim_takes_only_pending_rows_whose_attempt_time_has_come_in_batches(org):
    # given
    t0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    rows = [a_delivery(org.rep, occurrence=f"o-{n}") for n in range(3)]
    later = a_delivery(org.rep, occurrence="later")
    Delivery.objects.filter(pk=later.pk).update(next_attempt_at=t0 + timedelta(minutes=5))
    sent = a_delivery(org.rep, occurrence="sent", status=DeliveryStatus.SENT)

    # when
    first = deliveries_claim(worker="w1", batch=2, now=t0)
    second = deliveries_claim(worker="w2", batch=2, now=t0)
    third = deliveries_claim(worker="w3", batch=2, now=t0)

    # then
    assert first == [rows[0].pk, rows[1].pk]
    assert second == [rows[2].pk]
    assert third == []
    assert sent.pk not in first + second


# --- send -----------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_sending_to_the_inbox_twice_writes_one_notification_in_the_recipient_s_language(org):
    # given
    org.rep.language = ""  # the company's: Chinese
    org.rep.save(update_fields=["language"])
    delivery = a_delivery(org.rep, message="Overdue")
    deliveries_claim(worker="w1", now=delivery.next_attempt_at)

    # when
    first = delivery_send(delivery_id=delivery.pk, worker="w1")
    second = delivery_send(delivery_id=delivery.pk, worker="w1")

    # then
    assert (first, second) == (SENT, SKIPPED)
    notification = Notification.objects.get()
    assert notification.recipient == org.rep
    assert notification.delivery == delivery
    assert notification.text == "逾期"
    assert notification.url == "/accounts/1/"
    assert notification.read_at is None
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.lease_until) == (DeliveryStatus.SENT, 1, None)


@pytest.mark.django_db
def test_the_inbox_text_fills_in_the_parameters_in_english_for_an_english_speaker(org):
    # given
    org.rep.language = "en"
    org.rep.save(update_fields=["language"])
    delivery = a_delivery(
        org.rep, message="Due now: %(subject)s (%(target)s)", params={"subject": "回访张总", "target": "星河科技"}
    )
    deliveries_claim(worker="w1", now=delivery.next_attempt_at)

    # when
    delivery_send(delivery_id=delivery.pk, worker="w1")

    # then
    assert Notification.objects.get().text == "Due now: 回访张总 (星河科技)"


@pytest.mark.django_db
def test_an_email_carries_a_message_id_that_stays_the_same_when_sent_again(org, settings):
    # given
    settings.REMINDER_MESSAGE_ID_DOMAIN = "crm.example.test"
    settings.REMINDER_SITE_URL = "https://crm.example.test"
    org.rep.language = "en"
    org.rep.save(update_fields=["language"])
    delivery = a_delivery(
        org.rep, channel=Channel.EMAIL, message="Due now: %(subject)s (%(target)s)",
        params={"subject": "回访张总", "target": "星河科技"},
    )  # fmt: skip
    now = delivery.next_attempt_at

    # when: sent, then (as if the worker died before marking it) made pending and sent again
    deliveries_claim(worker="w1", now=now)
    assert delivery_send(delivery_id=delivery.pk, worker="w1", now=now) == SENT
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.PENDING, lease_until=None)
    deliveries_claim(worker="w2", now=now)
    assert delivery_send(delivery_id=delivery.pk, worker="w2", now=now) == SENT

    # then
    expected = f"<delivery-{delivery.pk}@crm.example.test>"
    assert [message.message()["Message-ID"] for message in mail.outbox] == [expected, expected]
    assert mail.outbox[0].to == [org.rep.email]
    assert mail.outbox[0].subject == "Due now: 回访张总 (星河科技)"
    assert mail.outbox[0].body == "Due now: 回访张总 (星河科技)\n\nhttps://crm.example.test/accounts/1/"
    delivery.refresh_from_db()
    assert delivery.message_id == expected
    assert Notification.objects.count() == 0


@pytest.mark.django_db
def test_a_failing_email_is_retried_with_backoff_then_marked_failed(org, settings):
    # given
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    settings.REMINDER_MAX_ATTEMPTS = 3
    settings.REMINDER_BACKOFF_BASE = timedelta(seconds=60)
    delivery = a_delivery(org.rep, channel=Channel.EMAIL)
    t0 = delivery.next_attempt_at

    # when: the first attempt
    deliveries_claim(worker="w", now=t0)
    # then
    assert delivery_send(delivery_id=delivery.pk, worker="w", now=t0) == RETRY
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at, delivery.lease_until) == (
        DeliveryStatus.PENDING, 1, t0 + timedelta(seconds=60), None,
    )  # fmt: skip
    assert delivery.last_error == "SMTPServerDisconnected: the mail server hung up"
    assert deliveries_claim(worker="w", now=t0 + timedelta(seconds=59)) == []

    # when: the second, a minute later
    t1 = t0 + timedelta(seconds=60)
    assert deliveries_claim(worker="w", now=t1) == [delivery.pk]
    assert delivery_send(delivery_id=delivery.pk, worker="w", now=t1) == RETRY
    # then: twice as long
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.next_attempt_at) == (2, t1 + timedelta(seconds=120))

    # when: the third and last
    t2 = t1 + timedelta(seconds=120)
    assert deliveries_claim(worker="w", now=t2) == [delivery.pk]
    assert delivery_send(delivery_id=delivery.pk, worker="w", now=t2) == FAILED
    # then
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 3)
    assert deliveries_claim(worker="w", now=t2 + timedelta(days=1)) == []
    assert mail.outbox == []

    # when: an administrator tries again
    assert deliveries_retry(ids=[delivery.pk], now=t2) == 1
    # then
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (DeliveryStatus.PENDING, 0, t2)


@pytest.mark.django_db
def test_the_drain_task_sends_everything_pending_once(org):
    # given
    for n in range(5):
        a_delivery(org.rep, occurrence=f"o-{n}")
    a_delivery(org.rep, occurrence="mail", channel=Channel.EMAIL)

    # when
    with time_machine.travel(datetime(2026, 12, 1, 2, 1, tzinfo=UTC), tick=False):
        first = deliveries_drain_task.apply().get()
        second = deliveries_drain_task.apply().get()

    # then
    assert first == {SENT: 6}
    assert second == {}
    assert Notification.objects.count() == 5
    assert len(mail.outbox) == 1
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}


# --- the morning digest ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_digest_goes_once_per_local_day_at_nine_in_each_person_s_time_zone(org):
    # given: one person in Berlin (UTC+1 in December), one in Shanghai (UTC+8), one with nothing to do
    berlin = UserFactory.create(username="berlin", time_zone="Europe/Berlin", language="en")
    shanghai = UserFactory.create(username="shanghai", time_zone="Asia/Shanghai", language="en")
    UserFactory.create(username="idle", time_zone="Asia/Shanghai")
    planned_call(org, assignee=berlin, due_at=datetime(2026, 12, 1, 14, 30, tzinfo=ZoneInfo("Europe/Berlin")))
    planned_call(org, assignee=shanghai, due_at=datetime(2026, 12, 1, 15, 0, tzinfo=SHANGHAI), subject="拜访")

    def digests() -> list[tuple[str, str]]:
        return sorted(Delivery.objects.filter(kind=DIGEST).values_list("recipient__username", "occurrence"))

    # when / then: 08:59 in Shanghai
    assert digests_materialize(now=datetime(2026, 12, 1, 0, 59, tzinfo=UTC)).created == 0
    # 09:00 in Shanghai, 02:00 in Berlin
    assert digests_materialize(now=datetime(2026, 12, 1, 1, 0, tzinfo=UTC)).created == 1
    assert digests() == [("shanghai", "2026-12-01")]
    # a quarter of an hour later: nothing new
    assert digests_materialize(now=datetime(2026, 12, 1, 1, 15, tzinfo=UTC)).created == 0
    # 08:59 in Berlin
    assert digests_materialize(now=datetime(2026, 12, 1, 7, 59, tzinfo=UTC)).created == 0
    # 09:00 in Berlin
    assert digests_materialize(now=datetime(2026, 12, 1, 8, 0, tzinfo=UTC)).created == 1
    assert digests() == [("berlin", "2026-12-01"), ("shanghai", "2026-12-01")]

    digest = Delivery.objects.get(kind=DIGEST, recipient=berlin)
    assert digest.channel == Channel.EMAIL
    assert digest.target == berlin
    assert digest.due_at == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert digest.params == {"date": "2026-12-01", "body": "Due today (1)\n- 14:30 回访张总 (星河科技)"}

    # when: the next morning in Shanghai, the call now overdue
    assert digests_materialize(now=datetime(2026, 12, 2, 1, 0, tzinfo=UTC)).created == 1
    assert Delivery.objects.get(kind=DIGEST, recipient=shanghai, occurrence="2026-12-02").params["body"] == (
        "Overdue (1)\n- 2026-12-01 15:00 拜访 (星河科技)"
    )


@pytest.mark.django_db
def test_the_digest_email_lists_the_sections(org):
    # given
    shanghai = UserFactory.create(username="shanghai", time_zone="Asia/Shanghai", language="en")
    planned_call(org, assignee=shanghai, due_at=datetime(2026, 12, 1, 15, 0, tzinfo=SHANGHAI), subject="拜访")
    now = datetime(2026, 12, 1, 1, 5, tzinfo=UTC)
    digests_materialize(now=now)

    # when
    [delivery_id] = deliveries_claim(worker="w", now=now)
    assert delivery_send(delivery_id=delivery_id, worker="w", now=now) == SENT

    # then
    [message] = mail.outbox
    assert message.to == ["shanghai@example.test"]
    assert message.subject == "Your day, 2026-12-01"
    assert message.body == "Your day, 2026-12-01\n\nDue today (1)\n- 15:00 拜访 (星河科技)"
    assert message.message()["Message-ID"] == f"<delivery-{delivery_id}@ltc.localhost>"


@pytest.mark.django_db
def test_no_digest_outside_the_morning_window(org):
    # given: a person who joins in the afternoon with a task due
    late = UserFactory.create(username="late", time_zone="Asia/Shanghai")
    planned_call(org, assignee=late, due_at=datetime(2026, 12, 1, 18, 0, tzinfo=SHANGHAI))

    # when: 13:00 in Shanghai (the window is 09:00 to 13:00)
    result = digests_materialize(now=datetime(2026, 12, 1, 5, 0, tzinfo=UTC))

    # then
    assert result.created == 0


# --- the tasks and the beat -----------------------------------------------------------------------------------------


@pytest.fixture
def eager_celery():
    from ltc.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = previous


@pytest.mark.django_db
def test_the_beat_s_tick_materializes_then_drains_into_the_inbox(org, eager_celery):
    # given
    org.rep.language = "en"
    org.rep.save(update_fields=["language"])
    planned_call(org)

    # when
    with time_machine.travel(DUE, tick=False):
        result = eager_celery.tasks["activities.tasks.reminders_tick"].apply().get()
        again = eager_celery.tasks["activities.tasks.reminders_tick"].apply().get()

    # then
    assert (result["due"], result["created"], again["created"]) == (1, 1, 0)
    inbox = list(Notification.objects.values_list("recipient_id", "text"))
    assert inbox == [(org.rep.pk, "Due now: 回访张总 (星河科技)")]


def test_the_beat_schedules_the_reminder_ticks_and_the_workers_know_them():
    from celery.schedules import crontab

    from ltc.celery import app

    app.loader.import_default_modules()
    schedule = app.conf.beat_schedule
    assert schedule["reminders-tick"]["task"] == "activities.tasks.reminders_tick"
    assert schedule["reminders-tick"]["schedule"] == 60.0
    assert schedule["digests-tick"]["task"] == "activities.tasks.digests_tick"
    assert schedule["digests-tick"]["schedule"] == crontab(minute="*/15")
    mine = {"activities.tasks.reminders_tick", "activities.tasks.digests_tick", "activities.tasks.deliveries_drain"}
    assert mine - set(app.tasks) == set()


def test_the_tasks_retry_with_backoff_when_the_broker_or_the_database_is_away():
    from django.db import OperationalError
    from kombu.exceptions import OperationalError as BrokerError

    from activities.tasks import digests_tick_task, reminders_tick_task

    for task in (reminders_tick_task, digests_tick_task, deliveries_drain_task):
        assert OperationalError in task.autoretry_for
        assert BrokerError in task.autoretry_for
        assert (task.retry_backoff, task.retry_backoff_max, task.max_retries, task.acks_late) == (True, 300, 5, True)


@pytest.mark.django_db
def test_another_app_adds_its_lines_to_the_digest(org):
    # given: a section as receivables registers it (the invoices a person owns that are overdue)
    from activities import reminders

    def overdue_invoices(user: Any, day: Any) -> list[str]:
        if user.username != "cfo":
            return []
        return [f"Invoices to chase ({day:%m-%d})", "- FP2026-00001 ¥12,000.00, 3 days overdue"]

    reminders.register_digest_section(overdue_invoices)
    cfo = UserFactory.create(username="cfo", time_zone="Asia/Shanghai", language="en")
    try:
        # when: nothing else to do that day
        result = digests_materialize(now=datetime(2026, 12, 1, 1, 0, tzinfo=UTC))
    finally:
        reminders._digest_sections.remove(overdue_invoices)

    # then
    assert result.created == 1
    digest = Delivery.objects.get(kind=DIGEST)
    assert digest.recipient == cfo
    assert digest.params["body"] == "Invoices to chase (12-01)\n- FP2026-00001 ¥12,000.00, 3 days overdue"


# --- the administrators' view ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_administrator_sees_failed_deliveries_and_tries_them_again(org, client):
    # given
    superuser = UserFactory.create(username="root", is_staff=True, is_superuser=True)
    failed = a_delivery(org.rep, occurrence="f", status=DeliveryStatus.FAILED, attempts=6, last_error="SMTPError: no")
    a_delivery(org.rep, occurrence="s", status=DeliveryStatus.SENT)
    client.force_login(superuser)

    # when
    page = client.get("/admin/activities/delivery/", {"status__exact": "failed"})

    # then
    assert page.status_code == 200
    assert list(page.context["cl"].result_list) == [failed]
    assert "SMTPError: no" in page.content.decode()

    # when
    answer = client.post(
        "/admin/activities/delivery/", {"action": "retry", "_selected_action": [failed.pk]}, follow=True
    )

    # then
    assert answer.status_code == 200
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (DeliveryStatus.PENDING, 0)
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 1
