"""Periodic work of the opportunities stage (scheduled in ltc.celery's static beat schedule)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from opportunities.services import quotes_expire


@shared_task(name="opportunities.tasks.quotes_expire", acks_late=True)
def quotes_expire_task() -> int:
    """Sent quotes whose validity date has passed become expired (idempotent: a re-run finds none)."""
    return quotes_expire(today=timezone.localdate())
