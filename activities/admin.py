"""Reminder delivery status for administrators: what was sent, what waits, what failed and why. Read-only but for
one action, "try again", which turns failed deliveries back to pending (through ``activities.notify``)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from activities.models import Delivery, DeliveryStatus, Notification
from activities.notify import deliveries_retry
from ltc.admin import ReadOnly


@admin.register(Delivery)
class DeliveryAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["pk", "kind", "channel", "status", "recipient", "on_behalf_of", "occurrence", "due_at",
                    "attempts", "next_attempt_at", "sent_at", "last_error"]  # fmt: skip
    list_filter = ["status", "kind", "channel"]
    # The count of each status, kind and channel beside the filter (Django's facets).
    show_facets = admin.ShowFacets.ALWAYS
    search_fields = ["recipient__username", "recipient__display_name", "occurrence", "last_error"]
    date_hierarchy = "due_at"
    list_select_related = ["recipient", "on_behalf_of"]
    readonly_fields = [field.name for field in Delivery._meta.get_fields() if getattr(field, "concrete", False)]
    actions = ["retry"]

    @admin.action(description=_("Try the failed deliveries again"))
    def retry(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        count = deliveries_retry(ids=queryset.filter(status=DeliveryStatus.FAILED).values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext("%(count)d delivery will be tried again.", "%(count)d deliveries will be tried again.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # the action needs the change permission; the form itself stays read-only (every field is)
        return bool(request.user.is_superuser)


@admin.register(Notification)
class NotificationAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["pk", "recipient", "kind", "text", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["recipient__username", "text"]
    list_select_related = ["recipient"]
