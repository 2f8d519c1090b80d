"""Browser tests drive Debian's Chromium (no browser download) through Playwright."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"

# Playwright's sync API runs an event loop in this thread; the ORM calls in these tests set up data
# before the browser acts, never concurrently with it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    if CHROMIUM:
        return
    skip = pytest.mark.skip(reason="Debian's chromium is not installed (make test installs it where allowed)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A browser in China asks for Chinese; the English test switches through the page's own menu.
    return {**browser_context_args, "locale": "zh-CN"}


@pytest.fixture(autouse=True)
def _defaults(request):
    """A browser test runs in a real transaction against a live server, and the database is emptied after each
    one, data migrations' rows included: put back the defaults (sources, rubric, rules, cadences, the default
    pipeline with its gates) that a new installation has, before each browser test."""
    if "transactional_db" not in request.fixturenames and "live_server" not in request.fixturenames:
        return
    request.getfixturevalue("transactional_db")
    from importlib import import_module

    from django.apps import apps

    for module in ("leads.migrations.0003_defaults", "opportunities.migrations.0003_defaults"):
        import_module(module).install(apps, None)
