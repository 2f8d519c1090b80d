"""Targets, attainment and channel value over the API, under /api/v1/insights/: the same figures as the pages and
exports, with the same filters (``insights.forms``; a parameter that is not valid answers 400
``validation_error``). Setting a target goes through ``insights.services.target_set``; its refusals answer in the
project's error format with their code (``target_not_allowed``, ``target_not_your_team``, ``target_amount``,
``target_currency``, ``target_period``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from insights import growth_data
from insights.api_filters import PARAMETERS, request_scope
from insights.channels import channel_value
from insights.models import PeriodKind, Target, TargetKind
from insights.scope import Scope
from insights.services import target_set
from insights.targets import _subjects, attainment
from org.models import Team, User


def _attainment(scope: Scope) -> dict[str, Any]:
    return growth_data.attainment_data(scope, attainment(scope=scope, start=scope.start, end=scope.end))


class TargetInputSerializer(serializers.Serializer):
    rep = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False, allow_null=True)
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), required=False, allow_null=True)
    period_kind = serializers.ChoiceField(choices=PeriodKind.choices)
    period_start = serializers.DateField()
    kind = serializers.ChoiceField(choices=TargetKind.choices)
    # a string, so that the service says what is wrong with a malformed amount; null or "" clears the target
    amount = serializers.CharField(allow_null=True, allow_blank=True, max_length=40)
    currency = serializers.CharField(required=False, allow_blank=True, max_length=3)


class TargetSerializer(serializers.ModelSerializer):
    rep = serializers.IntegerField(source="user_id", allow_null=True)
    team = serializers.IntegerField(source="team_id", allow_null=True)
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, coerce_to_string=True)

    class Meta:
        model = Target
        fields = ["id", "rep", "team", "period_kind", "period_start", "kind", "amount", "currency", "updated_at"]


class TargetsApi(APIView):
    """GET: the targets set for the period (for the teams and people the caller sees) with the attainment against
    them. POST: set (or with an empty amount, clear) one target — a manager for their teams and people, an
    administrator for anyone."""

    @extend_schema(parameters=PARAMETERS, responses=OpenApiTypes.OBJECT, operation_id="insights_targets")
    def get(self, request: Request) -> Response:
        scope = request_scope(request)
        people, teams = _subjects(scope)
        targets = Target.objects.filter(period_start__gte=scope.start, period_start__lte=scope.end).filter(
            user_id__in=people
        ) | Target.objects.filter(period_start__gte=scope.start, period_start__lte=scope.end, team_id__in=teams)
        return Response(
            {
                "targets": TargetSerializer(targets.order_by("period_start", "kind", "pk"), many=True).data,
                **_attainment(scope),
            }
        )

    @extend_schema(request=TargetInputSerializer, responses={200: TargetSerializer}, operation_id="insights_target_set")
    def post(self, request: Request) -> Response:
        given = TargetInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        v = given.validated_data
        target = target_set(
            actor=request.user,
            user=v.get("rep"),
            team=v.get("team"),
            period_kind=v["period_kind"],
            period_start=v["period_start"],
            kind=v["kind"],
            amount=v["amount"],
            currency=v.get("currency") or None,
        )
        if target is None:
            return Response(None, status=status.HTTP_204_NO_CONTENT)
        return Response(TargetSerializer(target).data, status=status.HTTP_200_OK)


class AttainmentApi(APIView):
    """Per team and rep: target, cash and bookings, gap, attainment and the two forecasts of the period."""

    @extend_schema(parameters=PARAMETERS, responses=OpenApiTypes.OBJECT, operation_id="insights_attainment")
    def get(self, request: Request) -> Response:
        return Response(_attainment(request_scope(request)))


class ChannelsApi(APIView):
    """Per channel and campaign: leads, quality, cost, cost per lead, CAC, cash collected and return."""

    @extend_schema(parameters=PARAMETERS, responses=OpenApiTypes.OBJECT, operation_id="insights_channels")
    def get(self, request: Request) -> Response:
        return Response(growth_data.channels_data(channel_value(request_scope(request))))
