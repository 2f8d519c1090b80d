"""Admin pages for people, teams and memberships. Team and membership changes go through services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ltc.errors import DomainError
from org import services
from org.models import Membership, Team, User
from org.selectors import team_subtree_ids


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    fields = ["team", "role"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "email", "rep_level", "region", "is_active"]
    list_filter = ["is_active", "rep_level", "region", "memberships__role"]
    search_fields = ["username", "display_name", "email", "first_name", "last_name"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        (_("Sales"), {"fields": ("display_name", "phone", "rep_level", "region", "language")}),
    )
    inlines = [MembershipInline]


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name", "name_en", "parent", "region"]

    def clean_parent(self) -> Team | None:
        parent = self.cleaned_data["parent"]
        if parent is not None and self.instance.pk and parent.pk in team_subtree_ids(team_ids=[self.instance.pk]):
            raise forms.ValidationError(_("A team cannot be moved below itself or one of its sub-teams."))
        return parent


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    form = TeamForm
    list_display = ["name", "name_en", "parent", "region"]
    list_filter = ["region"]
    search_fields = ["name", "name_en"]
    inlines = [MembershipInline]

    def save_model(self, request: HttpRequest, obj: Team, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            try:
                services.team_update(
                    actor=request.user,  # type: ignore[arg-type]
                    team=obj,
                    name=data["name"],
                    name_en=data["name_en"],
                    parent=data["parent"],
                    region=data["region"],
                )
            except DomainError as exc:
                messages.error(request, exc.message)
        else:
            created = services.team_create(
                actor=request.user,  # type: ignore[arg-type]
                name=data["name"],
                name_en=data["name_en"],
                parent=data["parent"],
                region=data["region"],
            )
            obj.pk = created.pk
