"""The dashboards over the API, under /api/v1/insights/: the same figures as the pages and exports, from the
same functions and the same filters (``insights.forms``); amounts as strings. A parameter that is not valid — a
team the caller cannot see included — answers 400 ``validation_error`` naming it; nothing is computed then."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from insights import data
from insights.api_filters import PARAMETERS, request_scope
from insights.funnel import funnel
from insights.growth_api import AttainmentApi, ChannelsApi, TargetsApi
from insights.reps import rep_performance
from insights.stages import stage_times
from insights.value_api import CustomersApi, ReceivablesApi


class FunnelApi(APIView):
    """The lead-to-cash funnel: counts, amounts and conversion at each of the six stages, for what the caller sees
    and per team and rep."""

    @extend_schema(parameters=PARAMETERS, responses=OpenApiTypes.OBJECT, operation_id="insights_funnel")
    def get(self, request: Request) -> Response:
        return Response(data.funnel_data(funnel(request_scope(request))))


class StageTimesApi(APIView):
    """Median and 80th-percentile days in each stage, per team, rep and month; the slowest stage named."""

    @extend_schema(parameters=PARAMETERS, responses=OpenApiTypes.OBJECT, operation_id="insights_stage_times")
    def get(self, request: Request) -> Response:
        return Response(data.stage_times_data(stage_times(request_scope(request))))


class RepsApi(APIView):
    """Per rep: funnel counts, win rate, average deal size, activities per week, sales cycle and DSO."""

    @extend_schema(parameters=PARAMETERS, responses=OpenApiTypes.OBJECT, operation_id="insights_reps")
    def get(self, request: Request) -> Response:
        return Response(data.reps_data(rep_performance(request_scope(request))))


urlpatterns: list[URLPattern] = [
    path("funnel/", FunnelApi.as_view(), name="insights-funnel"),
    path("stage-times/", StageTimesApi.as_view(), name="insights-stage-times"),
    path("reps/", RepsApi.as_view(), name="insights-reps"),
    # receivables and customer value (insights.value_api)
    path("receivables/", ReceivablesApi.as_view(), name="insights-receivables"),
    path("customers/", CustomersApi.as_view(), name="insights-customers"),
    # targets, attainment and channel value (insights.growth_api)
    path("targets/", TargetsApi.as_view(), name="insights-targets"),
    path("attainment/", AttainmentApi.as_view(), name="insights-attainment"),
    path("channels/", ChannelsApi.as_view(), name="insights-channels"),
]

__all__: list[Any] = ["urlpatterns"]
