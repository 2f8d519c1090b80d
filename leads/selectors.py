"""Every read of leads, narrowed to what the reader may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from leads.models import LEAD_VISIBILITY, Lead
from ltc.access import visible


def lead_list_visible_to(*, user: Any) -> QuerySet[Lead]:
    """Leads the user may see (ltc.access), newest first, with what a list shows loaded."""
    qs = Lead.objects.select_related("owner", "source", "campaign", "team")
    return visible(qs, user, LEAD_VISIBILITY).order_by("-created_at", "-pk")


def lead_get_for_user(*, user: Any, pk: int) -> Lead:
    """One visible lead; 404 when it does not exist or is out of scope."""
    return get_object_or_404(lead_list_visible_to(user=user).select_related("rubric", "duplicate_of"), pk=pk)
