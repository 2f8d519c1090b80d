"""The one place that reads the environment (twelve-factor settings)."""

from __future__ import annotations

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()


def mandatory(name: str) -> str:
    """Read a variable that production cannot run without; stop start-up when it is missing."""
    value = env.str(name, default="")
    if not value.strip():
        raise ImproperlyConfigured(f"{name} must be set in the environment for production.")
    return value


def redis_url() -> str:
    return env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")


def celery_broker_url(url: str) -> str:
    """Celery's kombu spells a unix-socket Redis URL ``redis+socket://``; redis-py spells it ``unix://``."""
    if url.startswith("unix://"):
        return "redis+socket://" + url.removeprefix("unix://")
    return url
