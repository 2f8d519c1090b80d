"""Liveness of the parts the product needs: PostgreSQL, Redis and a Celery worker."""

from __future__ import annotations

import time
from dataclasses import dataclass

import redis
from django.conf import settings
from django.db import connection


def redis_client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means down; the reason is reported
        return Check("postgresql", False, type(exc).__name__)
    return Check("postgresql", True, "ok")


def check_redis() -> Check:
    try:
        redis_client().ping()
    except Exception as exc:
        return Check("redis", False, type(exc).__name__)
    return Check("redis", True, "ok")


def check_worker() -> Check:
    """A worker is alive when its heartbeat is younger than WORKER_HEARTBEAT_STALE_AFTER seconds."""
    try:
        raw = redis_client().get(settings.WORKER_HEARTBEAT_KEY)
    except Exception as exc:
        return Check("celery_worker", False, type(exc).__name__)
    if raw is None:
        return Check("celery_worker", False, "no heartbeat")
    age = time.time() - float(raw)  # ok-float: seconds, not money
    if age > settings.WORKER_HEARTBEAT_STALE_AFTER:
        return Check("celery_worker", False, f"last heartbeat {age:.0f} s ago")
    return Check("celery_worker", True, f"last heartbeat {age:.0f} s ago")


def run_checks() -> list[Check]:
    return [check_database(), check_redis(), check_worker()]
