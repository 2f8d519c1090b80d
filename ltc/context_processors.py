from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from ltc.navigation import resolve_navigation


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the page shell needs on every page: the navigation and the current path."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {"navigation": resolve_navigation(request.path)}
