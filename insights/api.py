"""The dashboards over the API, under /api/v1/insights/: the same figures as the pages and exports, from the
same functions and the same filters (``insights.forms``); amounts as strings. A parameter that is not valid — a
team the caller cannot see included — answers 400 ``validation_error`` naming it; nothing is computed then."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from insights import data
from insights.forms import InsightFilter
from insights.funnel import funnel
from insights.reps import rep_performance
from insights.scope import Scope
from insights.stages import stage_times

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


def _scope(request: Request) -> Scope:
    form = InsightFilter(request.query_params, user=request.user)
    scope = form.scope()
    if scope is None:
        raise exceptions.ValidationError({k: [str(e) for e in v] for k, v in form.errors.items()})
    return scope


class FunnelApi(APIView):
    """The lead-to-cash funnel: counts, amounts and conversion at each of the six stages, for what the caller sees
    and per team and rep."""

    @extend_schema(parameters=PARAMETERS, responses=OpenApiTypes.OBJECT, operation_id="insights_funnel")
    def get(self, request: Request) -> Response:
        return Response(data.funnel_data(funnel(_scope(request))))


class StageTimesApi(APIView):
    """Median and 80th-percentile days in each stage, per team, rep and month; the slowest stage named."""

    @extend_schema(parameters=PARAMETERS, responses=OpenApiTypes.OBJECT, operation_id="insights_stage_times")
    def get(self, request: Request) -> Response:
        return Response(data.stage_times_data(stage_times(_scope(request))))


class RepsApi(APIView):
    """Per rep: funnel counts, win rate, average deal size, activities per week, sales cycle and DSO."""

    @extend_schema(parameters=PARAMETERS, responses=OpenApiTypes.OBJECT, operation_id="insights_reps")
    def get(self, request: Request) -> Response:
        return Response(data.reps_data(rep_performance(_scope(request))))


def _value_urls() -> list[URLPattern]:
    """Receivables and customer value (insights.value_api), which reuses this module's filters."""
    from insights.value_api import CustomersApi, ReceivablesApi

    return [
        path("receivables/", ReceivablesApi.as_view(), name="insights-receivables"),
        path("customers/", CustomersApi.as_view(), name="insights-customers"),
    ]


urlpatterns: list[URLPattern] = [
    path("funnel/", FunnelApi.as_view(), name="insights-funnel"),
    path("stage-times/", StageTimesApi.as_view(), name="insights-stage-times"),
    path("reps/", RepsApi.as_view(), name="insights-reps"),
]
urlpatterns += _value_urls()


def _growth_urls() -> list[URLPattern]:
    """Targets, attainment and channel value (insights.growth_api), which reuses this module's filters."""
    from insights.growth_api import AttainmentApi, ChannelsApi, TargetsApi

    return [
        path("targets/", TargetsApi.as_view(), name="insights-targets"),
        path("attainment/", AttainmentApi.as_view(), name="insights-attainment"),
        path("channels/", ChannelsApi.as_view(), name="insights-channels"),
    ]


urlpatterns += _growth_urls()

__all__: list[Any] = ["urlpatterns"]
