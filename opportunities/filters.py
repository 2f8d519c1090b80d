"""Filters of the deal list, shared by the page, the API and the export."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from opportunities.models import Category, Opportunity, Pipeline, Stage
from org.models import User

SORTS = {
    "created": "created_at",
    "-created": "-created_at",
    "amount": "amount",
    "-amount": "-amount",
    "close": "expected_close_date",
    "stage": "stage__order",
}


class OpportunityFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    pipeline = django_filters.ModelChoiceFilter(queryset=Pipeline.objects.all(), label=_("Pipeline"))
    stage = django_filters.ModelMultipleChoiceFilter(queryset=Stage.objects.all(), label=_("Stage"))
    category = django_filters.ChoiceFilter(field_name="stage__category", choices=Category.choices, label=_("Status"))
    owner = django_filters.ModelChoiceFilter(queryset=User.objects.filter(is_active=True), label=_("Owner"))
    close_after = django_filters.DateFilter(
        field_name="expected_close_date", lookup_expr="gte", label=_("Closing from")
    )
    close_before = django_filters.DateFilter(
        field_name="expected_close_date", lookup_expr="lte", label=_("Closing until")
    )
    sort = django_filters.ChoiceFilter(choices=[(k, k) for k in SORTS], method="sort_by", label=_("Sort"))

    class Meta:
        model = Opportunity
        fields: list[str] = []

    def search(self, queryset: QuerySet[Opportunity], name: str, value: str) -> QuerySet[Opportunity]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(account__name__icontains=value))

    def sort_by(self, queryset: QuerySet[Opportunity], name: str, value: str) -> QuerySet[Opportunity]:
        return queryset.order_by(SORTS[value], "-pk") if value in SORTS else queryset
