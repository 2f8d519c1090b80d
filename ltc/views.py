"""The shell's own endpoints: the health check and the favicon that browsers ask for by name."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ltc.health import run_checks


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when PostgreSQL, Redis and a Celery worker answer; 503 naming what is down otherwise."""
    checks = run_checks()
    ok = all(c.ok for c in checks)
    body = {"status": "ok" if ok else "down", "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks}}
    return JsonResponse(body, status=200 if ok else 503)


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    # Resolved per request: in production the static name carries a hash from collectstatic's manifest.
    return HttpResponsePermanentRedirect(static("favicon.svg"))
