"""Every write to activities."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.hooks import activity_done
from activities.models import Activity, Kind
from ltc.audit import acting_as
from ltc.errors import DomainError

ALREADY_DONE = "activity_already_done"


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
