"""Administration of the leads settings: sources, campaigns, the grading rubric (versioned: a change publishes
a new version), assignment rules and cadences. Writes go through leads.services."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from leads import grading, services
from leads.models import AssignmentRule, Cadence, Campaign, Rubric, Source
from ltc.errors import DomainError


class SettingAdmin(admin.ModelAdmin):
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.lead_setting_save(actor=request.user, setting=obj)


@admin.register(Source)
class SourceAdmin(SettingAdmin):
    list_display = ["name", "name_en", "code", "active"]
    list_filter = ["active"]
    search_fields = ["name", "name_en", "code"]


@admin.register(Campaign)
class CampaignAdmin(SettingAdmin):
    list_display = ["name", "source", "cost", "currency", "starts_on", "ends_on"]
    list_filter = ["source"]
    search_fields = ["name"]


@admin.register(AssignmentRule)
class AssignmentRuleAdmin(SettingAdmin):
    list_display = ["grade", "levels", "nurture", "strategy", "open_lead_cap", "first_contact_hours"]


@admin.register(Cadence)
class CadenceAdmin(SettingAdmin):
    list_display = ["grade", "name", "automated"]


class RubricForm(forms.ModelForm):
    """A new version: the rules and thresholds as JSON, checked before anything is written."""

    rules = forms.JSONField(label=_("rules"), widget=forms.Textarea(attrs={"rows": 24, "cols": 100}))
    thresholds = forms.JSONField(label=_("thresholds"), widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))
    regrade_open = forms.BooleanField(label=_("Regrade every open lead by this version"), required=False, initial=True)

    class Meta:
        model = Rubric
        fields = ["rules", "thresholds", "note"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "rules" in data and "thresholds" in data:
            problems = grading.rubric_errors(data["rules"], data["thresholds"])
            if problems:
                raise forms.ValidationError([str(p) for p in problems])
        return data


@admin.register(Rubric)
class RubricAdmin(admin.ModelAdmin):
    form = RubricForm
    list_display = ["version", "active", "note", "created_by", "created_at"]
    readonly_fields = ["version", "active", "created_by", "created_at"]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        current = Rubric.objects.filter(active=True).first()
        if current is None:
            return {"rules": json.dumps(grading.DEFAULT_RULES, ensure_ascii=False, indent=1)}
        return {
            "rules": json.dumps(current.rules, ensure_ascii=False, indent=1),
            "thresholds": json.dumps(current.thresholds),
        }

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # versions are never edited: a change is a new version

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Rubric, form: Any, change: bool) -> None:
        data = form.cleaned_data
        try:
            rubric = services.rubric_publish(
                actor=request.user,
                rules=data["rules"],
                thresholds=data["thresholds"],
                note=data.get("note", ""),
                regrade_open=data.get("regrade_open", False),
            )
        except DomainError as exc:  # pragma: no cover - the form checks the same rules first
            messages.error(request, exc.message)
            return
        obj.pk = rubric.pk
        messages.success(request, _("Version %(v)d of the grading standard is now in force.") % {"v": rubric.version})
