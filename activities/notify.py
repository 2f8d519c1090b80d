"""Reminders from due to delivered: materialize (beat), claim and send (workers).

Guarantees, and their limits:

* **Created once.** ``reminders_materialize`` inserts with ON CONFLICT DO NOTHING into a table unique per (kind,
  record, occurrence, recipient, channel): a second beat, a retry or a re-run over the same window creates nothing.
* **Inbox once.** The inbox row is written in the transaction that locks the delivery, re-checks it is pending and
  ours, and marks it sent; ``Notification.delivery`` is unique besides. Killed before commit, nothing is written
  and the delivery stays pending for the next claim.
* **Email at least once, with one Message-ID.** An email leaves before its delivery is marked sent (no mail system
  takes part in our transaction): a worker killed between the two, or a lease that runs out mid-send, can send it
  twice. Both copies carry the same ``Message-ID: <delivery-{id}@{domain}>``, which mail systems (and the chaos
  test's SMTP sink) use to recognise one message. Nothing is lost: an unmarked delivery is claimed again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from activities import reminders
from activities.models import Channel, Delivery, DeliveryStatus, Notification, NotificationPreference
from activities.reminders import DIGEST, Due, user_language, user_zone
from org.models import User
from org.selectors import managers_of

logger = logging.getLogger(__name__)

NO_EMAIL_ADDRESS = "no email address"
DIGEST_MAX_LINES = 20
MESSAGE_DIGEST = gettext_noop("Your day, %(date)s\n\n%(body)s")
DIGEST_SUBJECT = gettext_noop("Your day, %(date)s")
EMAIL_TIMEOUT_SECONDS = 30

Key = tuple[str, int, int, str, int, str]


@dataclass
class MaterializeResult:
    """What one run did. ``created`` counts rows this run inserted as far as it could see: a beat running at the
    same moment may have inserted some of them first (the table still holds each once)."""

    due: int = 0  # reminders the sources yielded (valid ones)
    created: int = 0  # deliveries inserted
    redirected: int = 0  # reminders of a deactivated person sent to their managers
    dropped: int = 0  # reminders of a deactivated person nobody manages (or of nobody)
    muted: int = 0  # reminders the person turned off
    invalid: int = 0  # unknown kind, occurrence too long, moment outside the window
    failed_sources: list[str] = field(default_factory=list)


# --- materialize ----------------------------------------------------------------------------------------------------


def reminders_materialize(*, now: datetime | None = None) -> MaterializeResult:
    """Run every registered source over ``(now - REMINDER_LOOKBACK, now]`` and insert a pending delivery per
    recipient and channel. Safe to run twice, at once or later: each delivery exists once. A source that fails is
    logged and named in the result; the others still run. Reminders of a deactivated person go to their managers
    (``org.selectors.managers_of``); with none they are dropped and counted."""
    now = now or timezone.now()
    since = now - settings.REMINDER_LOOKBACK
    result = MaterializeResult()
    dues: list[Due] = []
    for source in reminders.sources():
        try:
            for due in source(since, now):
                if _valid(due, since=since, now=now):
                    dues.append(due)
                else:
                    result.invalid += 1
        except Exception:
            logger.exception("reminder source %s failed", getattr(source, "__qualname__", source))
            result.failed_sources.append(f"{source.__module__}.{getattr(source, '__qualname__', '?')}")
    result.due = len(dues)
    deliveries_insert(dues=dues, now=now, result=result)
    return result


def _valid(due: Due, *, since: datetime, now: datetime) -> bool:
    if due.kind not in reminders.kinds():
        logger.warning("reminder of unknown kind %r dropped", due.kind)
        return False
    if not due.occurrence or len(due.occurrence) > reminders.OCCURRENCE_MAX_LENGTH:
        logger.warning("reminder %s with occurrence %r dropped", due.kind, due.occurrence)
        return False
    return since < due.at <= now


def deliveries_insert(*, dues: Iterable[Due], now: datetime, result: MaterializeResult) -> None:
    """Resolve each reminder to its recipients (a deactivated person's managers) and their channels (their
    preference, else the kind's default; email without an address goes to the inbox), then insert what is not
    there yet, ignoring conflicts with rows a concurrent run inserted."""
    dues = list(dues)
    if not dues:
        return
    people = User.objects.in_bulk({due.recipient_id for due in dues})
    managers: dict[int, list[User]] = {}
    resolved: list[tuple[Due, User, User | None]] = []
    for due in dues:
        person = people.get(due.recipient_id)
        if person is None:
            result.dropped += 1
            continue
        if person.is_active:
            resolved.append((due, person, None))
            continue
        if person.pk not in managers:
            managers[person.pk] = managers_of(user=person)
        if not managers[person.pk]:
            logger.info("reminder %s %s for deactivated user %s dropped: nobody manages them", due.kind,
                        due.occurrence, person.pk)  # fmt: skip
            result.dropped += 1
            continue
        result.redirected += 1
        resolved.extend((due, manager, person) for manager in managers[person.pk])

    chosen = {
        (pref.user_id, pref.kind): pref.channel_list
        for pref in NotificationPreference.objects.filter(
            user_id__in={recipient.pk for _, recipient, _ in resolved}, kind__in={due.kind for due, _, _ in resolved}
        )
    }
    kinds = reminders.kinds()
    types: dict[type, ContentType] = {}
    rows: dict[Key, Delivery] = {}
    for due, recipient, behalf in resolved:
        channels = chosen.get((recipient.pk, due.kind), kinds[due.kind].channels)
        if not channels:
            result.muted += 1
            continue
        if Channel.EMAIL in channels and not recipient.email:
            channels = tuple(dict.fromkeys(Channel.INBOX if c == Channel.EMAIL else c for c in channels))
        model = type(due.target)
        if model not in types:
            types[model] = ContentType.objects.get_for_model(due.target)
        for channel in channels:
            row = Delivery(
                kind=due.kind,
                target_type=types[model],
                target_id=due.target.pk,
                occurrence=due.occurrence,
                recipient=recipient,
                on_behalf_of=behalf,
                channel=channel,
                next_attempt_at=now,
                message=str(due.message),
                params={str(k): str(v) for k, v in due.params.items()},
                url=_url_of(due.target),
                due_at=due.at,
            )
            rows.setdefault(_key(row), row)
    if not rows:
        return
    existing = set(
        Delivery.objects.filter(
            kind__in={key[0] for key in rows},
            target_id__in={key[2] for key in rows},
            recipient_id__in={key[4] for key in rows},
        ).values_list("kind", "target_type_id", "target_id", "occurrence", "recipient_id", "channel")
    )
    fresh = [row for key, row in rows.items() if key not in existing]
    Delivery.objects.bulk_create(fresh, ignore_conflicts=True, batch_size=500)
    result.created += len(fresh)


def _key(row: Delivery) -> Key:
    return (row.kind, row.target_type_id, row.target_id, row.occurrence, row.recipient_id, row.channel)


def _url_of(target: Any) -> str:
    get_url = getattr(target, "get_absolute_url", None)
    if get_url is None:
        return ""
    try:
        return str(get_url())[:500]
    except Exception:  # a record whose page needs what it lacks: the reminder still goes, without a link
        logger.exception("no link for %r", target)
        return ""


# --- the morning digest ---------------------------------------------------------------------------------------------


def digest_start(*, user: Any, now: datetime) -> datetime | None:
    """The moment today's digest became due for the person (REMINDER_DIGEST_HOUR in their time zone), or None
    outside the window that follows it."""
    zone = user_zone(user)
    local = now.astimezone(zone)
    start = datetime.combine(local.date(), time(settings.REMINDER_DIGEST_HOUR), tzinfo=zone)
    if start <= local < start + settings.REMINDER_DIGEST_WINDOW:
        return start
    return None


def digest_lines(*, user: Any, day: date) -> list[list[str]]:
    """The non-empty sections of the person's digest for their local ``day``, in their language."""
    sections: list[list[str]] = []
    with translation.override(user_language(user)):
        for section in reminders.digest_sections():
            try:
                lines = [str(line) for line in section(user, day)]
            except Exception:
                logger.exception("digest section %s failed for user %s", section, user.pk)
                continue
            if lines:
                sections.append(lines)
    return sections


def digests_materialize(*, now: datetime | None = None) -> MaterializeResult:
    """For each active person whose local time has reached REMINDER_DIGEST_HOUR today (and lies within
    REMINDER_DIGEST_WINDOW of it), materialize one digest for their local date, if they have anything: their
    tasks due today, their overdue activities and whatever other apps' digest sections add. Once per person
    and local day, however often it runs."""
    now = now or timezone.now()
    result = MaterializeResult()
    recent = now - timedelta(days=2)
    done = set(
        Delivery.objects.filter(kind=DIGEST, due_at__gte=recent).values_list("recipient_id", "occurrence").distinct()
    )
    dues: list[Due] = []
    for user in User.objects.filter(is_active=True).order_by("pk"):
        start = digest_start(user=user, now=now)
        if start is None:
            continue
        day = start.date()
        if (user.pk, day.isoformat()) in done:
            continue
        sections = digest_lines(user=user, day=day)
        if not sections:
            continue
        dues.append(
            Due(
                kind=DIGEST,
                target=user,
                occurrence=day.isoformat(),
                recipient_id=user.pk,
                at=start,
                message=MESSAGE_DIGEST,
                params={"date": day.isoformat(), "body": "\n\n".join("\n".join(lines) for lines in sections)},
            )
        )
    result.due = len(dues)
    deliveries_insert(dues=dues, now=now, result=result)
    return result


# --- claim and send -------------------------------------------------------------------------------------------------


def deliveries_claim(
    *, worker: str, batch: int | None = None, lease: timedelta | None = None, now: datetime | None = None
) -> list[int]:
    """Take up to ``batch`` pending deliveries whose attempt time has come and which nobody holds (no lease, or
    one that expired: its worker died), and hold them for ``lease``. Rows another transaction is claiming right
    now are skipped, never waited for, so workers never take the same row at once."""
    now = now or timezone.now()
    batch = batch or settings.REMINDER_CLAIM_BATCH
    lease = lease or settings.REMINDER_LEASE
    with transaction.atomic():
        ids = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:batch]
        )
        if ids:
            Delivery.objects.filter(pk__in=ids).update(lease_until=now + lease, claimed_by=worker[:200])
    return ids


def delivery_text(delivery: Delivery) -> str:
    """The message in the recipient's language with its parameters filled in (a broken translation falls back
    to the English text rather than losing the reminder)."""
    with translation.override(user_language(delivery.recipient)):
        template = gettext(delivery.message)
        try:
            return template % delivery.params
        except (KeyError, ValueError, TypeError):
            try:
                return delivery.message % delivery.params
            except (KeyError, ValueError, TypeError):
                return delivery.message


def delivery_message_id(delivery: Delivery) -> str:
    """The same for every attempt of one delivery, so a copy sent twice is recognised as one message."""
    return f"<delivery-{delivery.pk}@{settings.REMINDER_MESSAGE_ID_DOMAIN}>"


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failure: base × 2^(attempts−1), at most REMINDER_BACKOFF_MAX."""
    base: timedelta = settings.REMINDER_BACKOFF_BASE
    return min(base * 2 ** max(attempts - 1, 0), settings.REMINDER_BACKOFF_MAX)


SENT = "sent"
SKIPPED = "skipped"
RETRY = "retry"
FAILED = "failed"


def delivery_send(*, delivery_id: int, worker: str, now: datetime | None = None) -> str:
    """Send one claimed delivery; returns "sent", "retry", "failed" or "skipped" (not pending any more, or
    claimed by another worker since: nothing is done). Never raises for a failing channel: the failure is
    counted, retried after ``backoff`` and, after REMINDER_MAX_ATTEMPTS, marked failed with its error."""
    try:
        with transaction.atomic():
            delivery = _lock_ours(delivery_id, worker)
            if delivery is None:
                return SKIPPED
            if delivery.channel == Channel.INBOX:
                Notification.objects.create(
                    recipient_id=delivery.recipient_id,
                    delivery=delivery,
                    kind=delivery.kind,
                    text=delivery_text(delivery),
                    url=delivery.url,
                )
                _mark_sent(delivery, worker=worker, now=now)
                return SENT
        if delivery.channel == Channel.EMAIL:
            if delivery.lease_until is None or delivery.lease_until <= (now or timezone.now()):
                # Our lease ran out (a slow batch): another worker may be sending it now. Leave it to the next claim.
                return SKIPPED
            _send_email(delivery)
            # The mail has left: mark it sent if it is still ours (if not, another worker took it over after
            # our lease ran out and sends the same Message-ID).
            with transaction.atomic():
                again = _lock_ours(delivery_id, worker)
                if again is None:
                    logger.warning("delivery %s was sent but taken over by another worker meanwhile", delivery_id)
                    return SKIPPED
                _mark_sent(again, worker=worker, now=now)
            return SENT
        raise ValueError(f"unknown channel {delivery.channel!r}")
    except Exception as exc:
        logger.warning("delivery %s failed: %s", delivery_id, exc, exc_info=True)
        return _mark_failure(delivery_id, worker=worker, error=exc, now=now)


def _lock_ours(delivery_id: int, worker: str) -> Delivery | None:
    delivery = (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("recipient")
        .filter(pk=delivery_id, status=DeliveryStatus.PENDING, claimed_by=worker[:200])
        .first()
    )
    return delivery


def _mark_sent(delivery: Delivery, *, worker: str, now: datetime | None) -> None:
    delivery.status = DeliveryStatus.SENT
    delivery.sent_at = now or timezone.now()
    delivery.attempts = F("attempts") + 1
    delivery.lease_until = None
    delivery.last_error = ""
    if delivery.channel == Channel.EMAIL:
        delivery.message_id = delivery_message_id(delivery)
    delivery.save(update_fields=["status", "sent_at", "attempts", "lease_until", "last_error", "message_id"])


def _send_email(delivery: Delivery) -> None:
    recipient = delivery.recipient
    if not recipient.email:
        raise ValueError(NO_EMAIL_ADDRESS)
    text = delivery_text(delivery)
    with translation.override(user_language(recipient)):
        if delivery.kind == DIGEST:
            subject = gettext(DIGEST_SUBJECT) % {"date": delivery.params.get("date", "")}
        else:
            subject = text.splitlines()[0][:150] if text else str(reminders.kinds()[delivery.kind].label)
    body = text
    if delivery.url:
        body += "\n\n" + settings.REMINDER_SITE_URL.rstrip("/") + delivery.url
    message = EmailMessage(
        subject=subject,
        body=body,
        to=[recipient.email],
        headers={"Message-ID": delivery_message_id(delivery)},
        connection=get_connection(fail_silently=False, timeout=EMAIL_TIMEOUT_SECONDS),
    )
    message.send()


def _mark_failure(delivery_id: int, *, worker: str, error: Exception, now: datetime | None) -> str:
    now = now or timezone.now()
    with transaction.atomic():
        delivery = _lock_ours(delivery_id, worker)
        if delivery is None:
            return SKIPPED
        delivery.attempts += 1
        delivery.last_error = f"{type(error).__name__}: {error}"[:2000]
        delivery.lease_until = None
        if delivery.attempts >= settings.REMINDER_MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
            outcome = FAILED
        else:
            delivery.next_attempt_at = now + backoff(delivery.attempts)
            outcome = RETRY
        delivery.save(update_fields=["attempts", "last_error", "lease_until", "status", "next_attempt_at"])
    return outcome


def deliveries_retry(*, ids: Iterable[int], now: datetime | None = None) -> int:
    """An administrator's "try again": failed deliveries become pending with their attempts reset."""
    return Delivery.objects.filter(pk__in=list(ids), status=DeliveryStatus.FAILED).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now or timezone.now(), lease_until=None
    )
