"""The query parameters every dashboard endpoint takes (for the schema) and the scope they make."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions
from rest_framework.request import Request

from insights.forms import InsightFilter
from insights.scope import Scope

PARAMETERS = [
    OpenApiParameter("start", OpenApiTypes.DATE, description="The period's first day (default: 11 months back)."),
    OpenApiParameter("end", OpenApiTypes.DATE, description="The period's last day (default: today)."),
    OpenApiParameter("mode", str, enum=["activity", "cohort"], description="How the period is read."),
    OpenApiParameter("team", int, description="A team's id (its sub-teams included); one the caller sees."),
    OpenApiParameter("owner", int, description="A rep's user id; one the caller sees."),
    OpenApiParameter("source", int, description="A lead source (channel) id."),
    OpenApiParameter("campaign", int, description="A campaign id."),
    OpenApiParameter("grade", str, enum=["A", "B", "C", "D"], description="The lead grade."),
    OpenApiParameter(
        "segment", str, enum=["micro", "small", "medium", "large", "enterprise"], description="The customer's size."
    ),
    OpenApiParameter("currency", str, description="The amounts' currency (default: the default currency)."),
]


def request_scope(request: Request) -> Scope:
    """The filters of an API request as a scope; a value that is not valid answers 400 naming it."""
    form = InsightFilter(request.query_params, user=request.user)
    scope = form.scope()
    if scope is None:
        raise exceptions.ValidationError({k: [str(e) for e in v] for k, v in form.errors.items()})
    return scope
