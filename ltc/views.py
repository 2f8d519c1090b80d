"""Pages of the shell itself: the workbench (home) and the health check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from customers.selectors import account_list_visible_to, contact_list_visible_to
from ltc.health import run_checks
from org.selectors import user_roles, user_teams


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "home.html",
        {
            "roles": user_roles(user=user),  # type: ignore[arg-type]
            "teams": user_teams(user=user),  # type: ignore[arg-type]
            "account_count": account_list_visible_to(user=user).count(),
            "contact_count": contact_list_visible_to(user=user).count(),
            "recent_accounts": account_list_visible_to(user=user)[:5],
        },
    )


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when PostgreSQL, Redis and a Celery worker answer; 503 naming what is down otherwise."""
    checks = run_checks()
    ok = all(c.ok for c in checks)
    body = {"status": "ok" if ok else "down", "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks}}
    return JsonResponse(body, status=200 if ok else 503)
