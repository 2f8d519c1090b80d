"""The Celery application: one broker (Redis), one beat with a static schedule, a worker heartbeat."""

from __future__ import annotations

import os
import time
from typing import Any

from celery import Celery, bootsteps
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ltc.settings.dev")

app = Celery("ltc")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Each app adds its periodic work here as it lands (a static schedule: one beat, no database scheduler).
app.conf.beat_schedule = {
    # 01:05 in Shanghai: sent quotes past their validity date expire
    "quotes-expire": {"task": "opportunities.tasks.quotes_expire", "schedule": crontab(hour=17, minute=5)},
    # 00:10 in Shanghai: installments on a date that has come become invoiceable
    "installments-dates": {
        "task": "contracts.tasks.installments_dates_reached",
        "schedule": crontab(hour=16, minute=10),
    },
    # Reminders due in the last minute (and any a stopped beat missed) into the delivery table, then drain it.
    "reminders-tick": {"task": "activities.tasks.reminders_tick", "schedule": 60.0, "options": {"expires": 55}},
    # Morning digests of the people whose 09:00 has come (each in their own time zone).
    "digests-tick": {"task": "activities.tasks.digests_tick", "schedule": crontab(minute="*/15")},
    # Monday 08:00 in Shanghai: each manager's review pack of the week before, by email (once per manager and week)
    "review-packs": {"task": "insights.tasks.review_packs_send", "schedule": crontab(hour=0, minute=0, day_of_week=1)},
}


class Heartbeat(bootsteps.StartStopStep):
    """Write the time into Redis every few seconds while the worker's consumer runs; /healthz reads it."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        self.tref: Any = None

    def start(self, worker: Any) -> None:
        from django.conf import settings

        self.tref = worker.timer.call_repeatedly(settings.WORKER_HEARTBEAT_SECONDS, beat_now, priority=10)
        beat_now()

    def stop(self, worker: Any) -> None:
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None


def beat_now() -> None:
    from django.conf import settings

    from ltc.health import redis_client

    redis_client().set(
        settings.WORKER_HEARTBEAT_KEY, f"{time.time():.3f}", ex=settings.WORKER_HEARTBEAT_STALE_AFTER * 10
    )


app.steps["worker"].add(Heartbeat)
