"""``{% activity_timeline record %}`` on any record page: the activity forms and the record's timeline, without
the record's own view doing anything; ``{% inbox_unread as n %}`` for the navigation (one count per request)."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone

from activities import selectors
from activities.models import Kind
from activities.timeline import TimelinePanel, record_timeline

register = template.Library()


def panel_context(request: HttpRequest, target: Model) -> dict[str, Any]:
    """What partials/timeline.html shows for ``target``; the caller has fetched it through its visibility
    selector (the record page did)."""
    user = request.user
    panel = TimelinePanel(
        target=target,
        target_type=selectors.target_key(target),
        entries=record_timeline(target=target),
        assignees=selectors.assignee_choices(user=user, target=target),
        kinds=[(str(value), str(label)) for value, label in Kind.choices],
        next_url=request.get_full_path(),
    )
    return {"panel": panel, "request": request, "now": timezone.now()}


@register.inclusion_tag("partials/timeline.html", takes_context=True)
def activity_timeline(context: template.Context, target: Model) -> dict[str, Any]:
    return panel_context(context["request"], target)


@register.simple_tag(takes_context=True)
def inbox_unread(context: template.Context) -> int:
    request = context.get("request")
    user = getattr(request, "user", None)
    return selectors.notification_unread_count(user=user, request=request)
