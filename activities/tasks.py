"""Reminder work for Celery: the beat's tick (materialize, then drain) and the workers' drain.

Due times live in PostgreSQL, never as far-future broker messages: a task lost with a killed worker or a restarted
Redis costs nothing but a minute, as the next tick finds the same pending rows. Each task is safe to run twice
(see ``activities.notify``). Web requests never enqueue these.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from dataclasses import asdict
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

from activities.notify import deliveries_claim, delivery_send, digests_materialize, reminders_materialize

logger = logging.getLogger(__name__)

# A broker or database that is briefly away: try again later (exponential backoff with jitter, capped).
TRANSIENT = (OperationalError, InterfaceError, BrokerError, ConnectionError)
RETRY_OPTIONS: dict[str, Any] = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": True,
    "retry_backoff_max": settings.CELERY_TASK_RETRY_BACKOFF_MAX,
    "retry_jitter": True,
    "max_retries": settings.CELERY_TASK_RETRY_MAX,
}
# A drain gives its slot back (and re-enqueues itself) well before the soft time limit.
DRAIN_SECONDS = 60


def worker_name(task_id: str | None) -> str:
    """Who holds a lease: host, process and task, so that a task redelivered to the same process is a new holder."""
    return f"{socket.gethostname()}:{os.getpid()}:{task_id or '-'}"


@shared_task(name="activities.tasks.reminders_tick", bind=True, acks_late=True, **RETRY_OPTIONS)
def reminders_tick_task(self: Any) -> dict[str, Any]:
    """Each minute (beat): materialize what became due, then enqueue drains."""
    result = reminders_materialize()
    if result.failed_sources:
        logger.error("reminder sources failed: %s", ", ".join(result.failed_sources))
    drains_enqueue()
    return asdict(result)


@shared_task(name="activities.tasks.digests_tick", bind=True, acks_late=True, **RETRY_OPTIONS)
def digests_tick_task(self: Any) -> dict[str, Any]:
    """Every 15 minutes (beat): the morning digests of people whose 09:00 has come, then enqueue drains."""
    result = digests_materialize()
    if result.created:
        drains_enqueue()
    return asdict(result)


def drains_enqueue() -> None:
    for _ in range(settings.REMINDER_DRAIN_TASKS):
        deliveries_drain_task.delay()


@shared_task(name="activities.tasks.deliveries_drain", bind=True, acks_late=True, **RETRY_OPTIONS)
def deliveries_drain_task(self: Any) -> dict[str, int]:
    """Claim batches of pending deliveries and send them until none is left; after DRAIN_SECONDS, re-enqueue
    itself and stop, so a long queue never meets the time limit."""
    worker = worker_name(self.request.id)
    started = time.monotonic()
    counts: dict[str, int] = {}
    while True:
        ids = deliveries_claim(worker=worker)
        if not ids:
            return counts
        for delivery_id in ids:
            outcome = delivery_send(delivery_id=delivery_id, worker=worker)
            counts[outcome] = counts.get(outcome, 0) + 1
        if time.monotonic() - started > DRAIN_SECONDS:
            deliveries_drain_task.delay()
            return counts
