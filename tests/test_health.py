"""/healthz: PostgreSQL, Redis and a live Celery worker; 503 naming what is down."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from ltc.health import redis_client

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def no_heartbeat():
    redis_client().delete(settings.WORKER_HEARTBEAT_KEY)
    yield
    redis_client().delete(settings.WORKER_HEARTBEAT_KEY)


def test_a_real_worker_makes_health_green(db, no_heartbeat):
    # given no worker: health is down and says why
    before = Client().get("/healthz")
    assert before.status_code == 503
    assert before.json()["checks"]["celery_worker"] == {"ok": False, "detail": "no heartbeat"}
    # when a Celery worker starts against the same Redis
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "ltc",
            "worker",
            "--pool=solo",
            "-l",
            "warning",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "ltc.settings.test"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while redis_client().get(settings.WORKER_HEARTBEAT_KEY) is None:
            assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
            assert time.monotonic() < deadline, "the worker wrote no heartbeat within 60 s"
            time.sleep(0.2)
        # then health is green on all three
        after = Client().get("/healthz")
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert after.status_code == 200
    body = after.json()
    assert body["status"] == "ok"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "postgresql": True,
        "redis": True,
        "celery_worker": True,
    }


def test_a_stale_heartbeat_is_a_dead_worker(db, no_heartbeat):
    redis_client().set(settings.WORKER_HEARTBEAT_KEY, f"{time.time() - 600:.3f}")

    response = Client().get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["celery_worker"] == {"ok": False, "detail": "last heartbeat 600 s ago"}


def test_redis_down_is_reported(db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    response = Client().get("/healthz")

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["postgresql"] == {"ok": True, "detail": "ok"}
    assert checks["redis"] == {"ok": False, "detail": "ConnectionError"}
    assert checks["celery_worker"]["ok"] is False
