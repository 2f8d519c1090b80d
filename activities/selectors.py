"""Reads of activities. On a record's page they come with the record: whoever sees the record (through its
app's visibility selector) sees its activities."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Model, QuerySet

from activities.models import Activity


def activity_list_for(target: Model) -> QuerySet[Activity]:
    """The record's activities: planned ones by due time first, then those done, latest first."""
    return (
        Activity.objects.filter(target_type=ContentType.objects.get_for_model(target), target_id=target.pk)
        .select_related("assignee")
        .order_by(F("done_at").desc(nulls_first=True), F("due_at").asc(nulls_last=True), "pk")
    )
