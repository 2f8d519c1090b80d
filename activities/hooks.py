"""Stage apps react to activities without activities knowing them: they register here in AppConfig.ready."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_on_done: list[Callable[[Any], None]] = []


def on_activity_done(hook: Callable[[Any], None]) -> Callable[[Any], None]:
    """Register ``hook(activity)``, called inside the transaction that marks an activity done."""
    if hook not in _on_done:
        _on_done.append(hook)
    return hook


def activity_done(activity: Any) -> None:
    for hook in _on_done:
        hook(activity)
