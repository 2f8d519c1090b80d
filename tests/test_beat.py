"""The static beat schedule names only tasks that the workers know: a typo would fail silently at night."""

from __future__ import annotations

from ltc.celery import app


def test_every_scheduled_task_is_registered():
    app.loader.import_default_modules()
    app.autodiscover_tasks(force=True)
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert scheduled == {
        "opportunities.tasks.quotes_expire",
        "contracts.tasks.installments_dates_reached",
        "activities.tasks.reminders_tick",
        "activities.tasks.digests_tick",
        "insights.tasks.review_packs_send",
    }
    assert scheduled - set(app.tasks) == set()
