"""Pages that read across the stages. The workbench (home) is the first: what this person can see, at a glance."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from customers.selectors import account_list_visible_to, contact_list_visible_to
from org.selectors import user_roles, user_teams


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    accounts = account_list_visible_to(user=user)
    return render(
        request,
        "insights/home.html",
        {
            "roles": user_roles(user=user),  # type: ignore[arg-type]
            "teams": user_teams(user=user),  # type: ignore[arg-type]
            "account_count": accounts.count(),
            "contact_count": contact_list_visible_to(user=user).count(),
            "recent_accounts": accounts[:5],
        },
    )
