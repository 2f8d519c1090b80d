"""Pages that read across the stages. The workbench (home) is the first: what this person can see, at a glance."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from activities.selectors import activity_due_for
from customers.selectors import account_list_visible_to, contact_list_visible_to
from leads.filters import LeadFilter
from leads.models import OPEN_STATUSES, Lead
from leads.selectors import lead_list_visible_to
from ltc.paging import CappedPaginator
from org.selectors import user_roles, user_teams

FOLLOW_UPS_SHOWN = 10


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    accounts = account_list_visible_to(user=user)
    leads = lead_list_visible_to(user=user)
    end_of_day = timezone.localtime().replace(hour=23, minute=59, second=59)
    follow_ups = list(activity_due_for(user=user, until=end_of_day)[:FOLLOW_UPS_SHOWN])
    lead_ids = [a.target_id for a in follow_ups if a.target_type.model_class() is Lead]
    targets = leads.in_bulk(lead_ids)
    return render(
        request,
        "insights/home.html",
        {
            "roles": user_roles(user=user),  # type: ignore[arg-type]
            "teams": user_teams(user=user),  # type: ignore[arg-type]
            "account_count": accounts.count(),
            "contact_count": contact_list_visible_to(user=user).count(),
            "recent_accounts": accounts[:5],
            "open_lead_count": CappedPaginator(leads.filter(status__in=OPEN_STATUSES), 1).count,
            "overdue_lead_count": CappedPaginator(LeadFilter({"overdue": "true"}, queryset=leads).qs, 1).count,
            "follow_ups": [(activity, targets.get(activity.target_id)) for activity in follow_ups],
            "now": timezone.now(),
        },
    )
