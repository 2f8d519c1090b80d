"""Administration of targets. Writes go through insights.services (the same checks and audit as the page)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest

from insights import services
from insights.models import Target
from ltc.errors import DomainError


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["__str__", "user", "team", "period_kind", "period_start", "kind", "amount", "currency", "set_by"]
    list_filter = ["kind", "period_kind", "team"]
    date_hierarchy = "period_start"
    raw_id_fields = ["user"]
    readonly_fields = ["set_by", "updated_at"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        try:
            services.target_set(
                actor=request.user, user=obj.user, team=obj.team, period_kind=obj.period_kind,
                period_start=obj.period_start, kind=obj.kind, amount=obj.amount, currency=obj.currency,
            )  # fmt: skip
        except DomainError as exc:
            messages.error(request, exc.message)
