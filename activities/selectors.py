"""Reads of activities. On a record's page they come with the record: whoever sees the record (through its
app's visibility selector) sees its activities."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Model, QuerySet

from activities.models import ACTIVITY_VISIBILITY, Activity
from ltc.access import visible


def activity_list_for(target: Model) -> QuerySet[Activity]:
    """The record's activities: planned ones by due time first, then those done, latest first."""
    return (
        Activity.objects.filter(target_type=ContentType.objects.get_for_model(target), target_id=target.pk)
        .select_related("assignee")
        .order_by(F("done_at").desc(nulls_first=True), F("due_at").asc(nulls_last=True), "pk")
    )


def activity_due_for(*, user: Any, until: datetime) -> QuerySet[Activity]:
    """The person's own planned activities due by ``until`` (overdue first): their day's follow-ups."""
    mine = visible(Activity.objects.filter(assignee_id=getattr(user, "pk", None)), user, ACTIVITY_VISIBILITY)
    return mine.filter(done_at__isnull=True, due_at__lte=until).select_related("target_type").order_by("due_at", "pk")
