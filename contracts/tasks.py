"""Periodic work of the contracts stage (scheduled in ltc.celery's static beat schedule)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from contracts.services import installments_dates_reached


@shared_task(name="contracts.tasks.installments_dates_reached", acks_late=True)
def installments_dates_reached_task() -> int:
    """Installments on a date become invoiceable when it comes (idempotent: a re-run finds none)."""
    return installments_dates_reached(today=timezone.localdate())
