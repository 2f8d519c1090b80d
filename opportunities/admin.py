"""Administration of the opportunities settings: pipelines with their stages and gate requirements, lost
reasons, products and price books. Writes go through opportunities.services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from opportunities import services
from opportunities.models import LostReason, Pipeline, PriceBook, PriceBookEntry, Product, Requirement, Stage


class SettingAdmin(admin.ModelAdmin):
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.opportunity_setting_save(actor=request.user, setting=obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for obj in formset.save(commit=False):
            services.opportunity_setting_save(actor=request.user, setting=obj)
        for obj in formset.deleted_objects:
            services.opportunity_setting_delete(actor=request.user, setting=obj)


class StageInline(admin.TabularInline):
    model = Stage
    extra = 0
    fields = ["order", "name", "name_en", "probability", "category"]


@admin.register(Pipeline)
class PipelineAdmin(SettingAdmin):
    list_display = ["name", "name_en", "is_default", "active", "segments"]
    inlines = [StageInline]


class RequirementInline(admin.TabularInline):
    model = Requirement
    extra = 0
    fields = ["order", "name", "name_en", "kind", "verified_by", "segments"]


@admin.register(Stage)
class StageAdmin(SettingAdmin):
    list_display = ["pipeline", "order", "name", "name_en", "probability", "category"]
    list_filter = ["pipeline", "category"]
    inlines = [RequirementInline]


@admin.register(LostReason)
class LostReasonAdmin(SettingAdmin):
    list_display = ["name", "name_en", "active"]


@admin.register(Product)
class ProductAdmin(SettingAdmin):
    list_display = ["code", "name", "unit", "list_price", "currency", "tax_rate", "active"]
    list_filter = ["active", "currency"]
    search_fields = ["code", "name"]


class PriceInline(admin.TabularInline):
    model = PriceBookEntry
    extra = 0
    autocomplete_fields = ["product"]


@admin.register(PriceBook)
class PriceBookAdmin(SettingAdmin):
    list_display = ["name", "currency", "active"]
    inlines = [PriceInline]
