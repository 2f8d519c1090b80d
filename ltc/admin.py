"""Admin helpers shared by the apps (the kernel registers no model here)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


class ReadOnly:
    """Nothing is added, changed or deleted here; every field shows as text. For records that change only
    through their app's services (with their locks, checks and history)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # listed as read-only, fields the model sets itself (allocation and request times) can be shown too
        return [*super().get_readonly_fields(request, obj), *(getattr(self, "fields", None) or [])]  # type: ignore[misc]
