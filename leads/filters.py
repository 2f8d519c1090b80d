"""Filters of the lead list, shared by the page, the API and the export."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leads.models import Campaign, Grade, Lead, Source, Status
from org.models import Team, User

SORTS = {
    "created": "created_at",
    "-created": "-created_at",
    "score": "score",
    "-score": "-score",
    "due": "first_contact_due_at",
    "name": "name",
}


class LeadFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, label=_("Status"))
    grade = django_filters.MultipleChoiceFilter(choices=Grade.choices, label=_("Grade"))
    owner = django_filters.ModelChoiceFilter(queryset=User.objects.filter(is_active=True), label=_("Owner"))
    team = django_filters.ModelChoiceFilter(queryset=Team.objects.all(), label=_("Team"))
    source = django_filters.ModelChoiceFilter(queryset=Source.objects.all(), label=_("Source"))
    campaign = django_filters.ModelChoiceFilter(queryset=Campaign.objects.all(), label=_("Campaign"))
    created_after = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label=_("Created from"))
    created_before = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label=_("Created until")
    )
    overdue = django_filters.BooleanFilter(method="first_contact_overdue", label=_("First contact overdue"))
    sort = django_filters.ChoiceFilter(choices=[(k, k) for k in SORTS], method="sort_by", label=_("Sort"))

    class Meta:
        model = Lead
        fields: list[str] = []

    def search(self, queryset: QuerySet[Lead], name: str, value: str) -> QuerySet[Lead]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(company__icontains=value)
            | Q(phone_key__startswith=value)
            | Q(email_key=value.lower())
        )

    def first_contact_overdue(self, queryset: QuerySet[Lead], name: str, value: bool | None) -> QuerySet[Lead]:
        if value is None:
            return queryset
        overdue = Q(status=Status.NEW, first_contacted_at__isnull=True, first_contact_due_at__lt=timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def sort_by(self, queryset: QuerySet[Lead], name: str, value: str) -> QuerySet[Lead]:
        return queryset.order_by(SORTS[value], "-pk") if value in SORTS else queryset
