"""Every write to activities."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from activities import reminders
from activities.hooks import activity_done
from activities.models import Activity, Channel, Kind, Notification, NotificationPreference
from ltc.audit import acting_as
from ltc.errors import DomainError

ALREADY_DONE = "activity_already_done"
INVALID_KIND = "invalid_kind"
DUE_IN_PAST = "due_in_past"
DUE_REQUIRED = "due_required"
SUBJECT_REQUIRED = "subject_required"
ASSIGNEE_CANNOT_SEE = "assignee_cannot_see"
INVALID_CHANNEL = "invalid_channel"
INVALID_REMINDER_KIND = "invalid_reminder_kind"


@transaction.atomic
def activity_schedule(
    *, actor: Any, target: Model, kind: str, subject: str, due_at: datetime | None, assignee: Any, origin: str = ""
) -> Activity:
    """Plan an activity on ``target``. With an ``origin``, planning the same thing twice returns the first."""
    if kind not in Kind.values:
        raise DomainError(_("Unknown activity kind: %(kind)s") % {"kind": kind}, code="invalid_kind")
    target_type = ContentType.objects.get_for_model(target)
    with acting_as(actor):
        if origin:
            activity, _created = Activity.objects.get_or_create(
                target_type=target_type,
                target_id=target.pk,
                origin=origin,
                defaults={
                    "kind": kind,
                    "subject": subject,
                    "due_at": due_at,
                    "assignee": assignee,
                    "created_by": actor,
                },
            )
            return activity
        return Activity.objects.create(
            target_type=target_type,
            target_id=target.pk,
            kind=kind,
            subject=subject,
            due_at=due_at,
            assignee=assignee,
            created_by=actor,
        )


@transaction.atomic
def activity_complete(
    *, actor: Any, activity: Activity, outcome: str = "", done_at: datetime | None = None
) -> Activity:
    """Mark a planned activity done with its outcome; refuses one already done. Stage apps react (hooks)."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.done_at is not None:
        raise DomainError(_("This activity is already done."), code=ALREADY_DONE)
    activity.done_at = done_at or timezone.now()
    activity.outcome = outcome
    with acting_as(actor):
        activity.save(update_fields=["done_at", "outcome"])
        activity_done(activity)
    return activity


@transaction.atomic
def activity_log(*, actor: Any, target: Model, kind: str, subject: str, outcome: str = "") -> Activity:
    """Record something already done (a call just made)."""
    activity = activity_schedule(actor=actor, target=target, kind=kind, subject=subject, due_at=None, assignee=actor)
    return activity_complete(actor=actor, activity=activity, outcome=outcome)


@transaction.atomic
def activity_cancel_planned(*, actor: Any, target: Model, origin_prefix: str) -> int:
    """Drop the planned, not yet done activities that came from ``origin_prefix`` (e.g. a cadence that ended
    because the lead was converted or closed). Done activities stay: they are the record of what happened."""
    planned = Activity.objects.filter(
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        origin__startswith=origin_prefix,
        done_at__isnull=True,
    )
    with acting_as(actor):
        count, _deleted = planned.delete()
    return count


# --- activities planned and recorded from the pages and the API ----------------------------------------------------


def _check_kind_and_subject(kind: str, subject: str) -> str:
    if kind not in Kind.values:
        raise DomainError(_("Unknown activity kind: %(kind)s") % {"kind": kind}, code=INVALID_KIND,
                          fields={"kind": [_("Choose one of the kinds offered.")]})  # fmt: skip
    subject = (subject or "").strip()
    if not subject:
        raise DomainError(_("Say what the activity is about (a subject is required)."), code=SUBJECT_REQUIRED,
                          fields={"subject": [_("Required.")]})  # fmt: skip
    return subject[:200]


def _sees(user: Any, target: Model) -> bool:
    from activities.selectors import target_visible_to  # selectors read settings that name the stage apps

    return target_visible_to(user=user, target=target)


def _require_sees(user: Any, target: Model) -> None:
    if not _sees(user, target):
        raise Http404


@transaction.atomic
def activity_plan(
    *, actor: Any, target: Model, kind: str, subject: str, due_at: datetime | None, assignee: Any = None
) -> Activity:
    """Plan an activity on a record the actor sees, for themselves or for someone who sees the record too.

    Refused, with nothing written: a record the actor may not see (Http404, as if it did not exist), an unknown
    kind (``invalid_kind``), no subject (``subject_required``), no due time (``due_required``), a due time
    before the current minute (``due_in_past``), an assignee who has left or may not see the record
    (``assignee_cannot_see``)."""
    _require_sees(actor, target)
    subject = _check_kind_and_subject(kind, subject)
    if due_at is None:
        raise DomainError(_("Say when it is due."), code=DUE_REQUIRED, fields={"due_at": [_("Required.")]})
    if timezone.is_naive(due_at):
        due_at = timezone.make_aware(due_at)
    if due_at < timezone.now().replace(second=0, microsecond=0):
        raise DomainError(_("The due time has already passed; plan it for later, or record it as done."),
                          code=DUE_IN_PAST, fields={"due_at": [_("In the past.")]})  # fmt: skip
    assignee = assignee or actor
    if assignee.pk != actor.pk and not (assignee.is_active and _sees(assignee, target)):
        raise DomainError(_("%(person)s may not see this record; plan it for someone who does.") % {"person": assignee},
                          code=ASSIGNEE_CANNOT_SEE, fields={"assignee": [_("Cannot see the record.")]})  # fmt: skip
    return activity_schedule(actor=actor, target=target, kind=kind, subject=subject, due_at=due_at, assignee=assignee)


@transaction.atomic
def activity_record(*, actor: Any, target: Model, kind: str, subject: str, outcome: str = "") -> Activity:
    """Record something the actor has just done on a record they see (a call made), with its outcome.
    Refused like ``activity_plan``: an unseen record (Http404), ``invalid_kind``, ``subject_required``."""
    _require_sees(actor, target)
    subject = _check_kind_and_subject(kind, subject)
    return activity_log(actor=actor, target=target, kind=kind, subject=subject, outcome=(outcome or "").strip())


# --- the inbox and each person's channels ---------------------------------------------------------------------------


@transaction.atomic
def notification_mark_read(*, actor: Any, notification: Notification) -> Notification:
    """Mark one of the actor's own notifications read (again: no change). Another's answers Http404."""
    if notification.recipient_id != getattr(actor, "pk", None):
        raise Http404
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


@transaction.atomic
def notifications_mark_all_read(*, actor: Any) -> int:
    """Mark every unread notification of the actor read; returns how many changed."""
    return Notification.objects.filter(recipient_id=actor.pk, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def notification_preference_set(*, actor: Any, kind: str, channels: Iterable[str]) -> NotificationPreference:
    """Choose the channels of one registered reminder kind for oneself: inbox, email or both.
    Refused, with nothing written: a kind nobody registered (``invalid_reminder_kind``), an unknown channel or
    none at all (``invalid_channel``)."""
    if kind not in reminders.kinds():
        raise DomainError(_("Unknown kind of reminder: %(kind)s") % {"kind": kind}, code=INVALID_REMINDER_KIND)
    wanted = [str(channel).strip() for channel in channels if str(channel).strip()]
    unknown = [channel for channel in wanted if channel not in Channel.values]
    if unknown or not wanted:
        raise DomainError(_("Choose the inbox, email or both."), code=INVALID_CHANNEL,
                          fields={"channels": [", ".join(unknown) or _("Required.")]})  # fmt: skip
    value = ",".join(channel for channel in Channel.values if channel in wanted)
    preference, _created = NotificationPreference.objects.update_or_create(
        user=actor, kind=kind, defaults={"channels": value}
    )
    return preference
