"""``Idempotency-Key`` on the API's POSTs that create money records: a retried or double-submitted request
replays the first answer instead of acting twice; the same key with other content is refused."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.response import Response

from ltc.errors import DomainError
from ltc.models import IdempotencyKey

HEADER = "Idempotency-Key"
KEY_REUSED = "idempotency_key_reused"
BAD_KEY = "invalid_idempotency_key"


class KeyReused(DomainError):
    status = 422


def fingerprint(data: Any) -> str:
    """The request's content, canonical: the same JSON in another key order is the same request."""
    body = json.dumps(data, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def idempotent(request: Request, scope: str, act: Callable[[], Response]) -> Response:
    """Run ``act`` once per (person, scope, key). Without the header it simply runs. A refused action (an
    exception) keeps nothing, so the same key may be tried again."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        return act()
    if len(key) > 200:
        raise DomainError(_("An Idempotency-Key has at most 200 characters."), code=BAD_KEY)
    print_ = fingerprint(request.data)
    with transaction.atomic():
        # a concurrent request with the same key blocks on this insert until the first commits, then finds it
        row, created = IdempotencyKey.objects.get_or_create(
            user=request.user,  # type: ignore[misc]  # the API requires a signed-in person
            scope=scope,
            key=key,
            defaults={"fingerprint": print_},
        )
        if not created:
            if row.fingerprint != print_:
                raise KeyReused(_("This Idempotency-Key was used for another request; use a new key."), code=KEY_REUSED)
            return Response(row.response, status=row.status_code, headers={"Idempotent-Replayed": "true"})
        response = act()
        row.status_code, row.response = response.status_code, response.data
        row.save(update_fields=["status_code", "response"])
    return response
