"""Every read of leads, narrowed to what the reader may see."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from leads.filters import LeadFilter
from leads.models import LEAD_VISIBILITY, Lead
from ltc.access import visible


def lead_list_visible_to(*, user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[Lead]:
    """Leads the user may see (ltc.access), newest first, narrowed by the list's filters (leads.filters).

    Invalid filter values are ignored rather than widening anything: the scope is applied first.
    """
    qs = visible(Lead.objects.select_related("owner", "source", "campaign", "team"), user, LEAD_VISIBILITY)
    qs = qs.order_by("-created_at", "-pk")
    if filters:
        filterset = LeadFilter(filters, queryset=qs)
        if filterset.is_valid():
            qs = filterset.qs
    return qs


def lead_get_for_user(*, user: Any, pk: int) -> Lead:
    """One visible lead; 404 when it does not exist or is out of scope."""
    return get_object_or_404(lead_list_visible_to(user=user).select_related("rubric", "duplicate_of"), pk=pk)
