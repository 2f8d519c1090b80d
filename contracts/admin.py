"""Administration of the contract settings: the review checklist, the approval order, the hand-off package."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from contracts.models import ApprovalStep, HandoffItem, ReviewItem
from ltc.audit import checked_save


class SettingAdmin(admin.ModelAdmin):
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        checked_save(actor=request.user, record=obj)


@admin.register(ReviewItem)
class ReviewItemAdmin(SettingAdmin):
    list_display = ["order", "name", "name_en", "active"]


@admin.register(ApprovalStep)
class ApprovalStepAdmin(SettingAdmin):
    list_display = ["order", "name", "name_en", "approver", "active"]


@admin.register(HandoffItem)
class HandoffItemAdmin(SettingAdmin):
    list_display = ["order", "name", "name_en", "side", "active"]
