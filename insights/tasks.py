"""Insights' periodic work: the Monday review pack by email (materialized like reminders, sent by the workers)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from celery import shared_task

from activities.tasks import RETRY_OPTIONS, drains_enqueue
from insights.reminders import review_packs_materialize


@shared_task(name="insights.tasks.review_packs_send", bind=True, acks_late=True, **RETRY_OPTIONS)
def review_packs_send_task(self: Any) -> dict[str, Any]:
    """Monday 08:00 in Shanghai (beat): each manager's review pack of the week before, once, then drain."""
    result = review_packs_materialize()
    if result.created:
        drains_enqueue()
    return asdict(result)
