"""Leads over the API: input serializer → selector or service → output serializer; moves are POST actions."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from customers.models import CompanySize
from leads import services
from leads.filters import LeadFilter
from leads.models import Budget, Campaign, Intent, Lead, Source, Timeline
from leads.selectors import lead_get_for_user, lead_list_visible_to
from org.models import Region, User


class LeadOutput(serializers.ModelSerializer):
    # (a field named "source" shadows DRF's Field.source attribute in the type stubs)
    source: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    campaign: serializers.Field = serializers.StringRelatedField()
    owner: serializers.Field = serializers.SlugRelatedField(slug_field="username", read_only=True)
    team: serializers.Field = serializers.StringRelatedField()
    rubric_version = serializers.IntegerField(source="rubric.version", read_only=True, allow_null=True)
    first_contact_overdue = serializers.SerializerMethodField()

    class Meta:
        model = Lead
        fields = [
            "id", "name", "company", "title", "phone", "email", "industry", "size", "region", "city",
            "intent", "budget", "timeline", "note", "source", "campaign", "score", "grade", "rubric_version",
            "grade_explanation", "owner", "team", "status", "disqualify_reason", "first_contact_due_at",
            "first_contacted_at", "first_contact_overdue", "duplicate_of", "duplicate_contact", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_first_contact_overdue(self, lead: Lead) -> bool:
        return lead.is_first_contact_overdue


def _choice(choices: Any) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=choices, required=False, allow_blank=True)


class LeadInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    company = serializers.CharField(max_length=200, required=False, allow_blank=True)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    industry = serializers.CharField(max_length=100, required=False, allow_blank=True)
    size = _choice(CompanySize.choices)
    region = _choice(Region.choices)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    intent = _choice(Intent.choices)
    budget = _choice(Budget.choices)
    timeline = _choice(Timeline.choices)
    note = serializers.CharField(required=False, allow_blank=True)
    source: Any = serializers.SlugRelatedField(slug_field="code", queryset=Source.objects.filter(active=True))
    campaign = serializers.PrimaryKeyRelatedField(queryset=Campaign.objects.all(), required=False, allow_null=True)


class LeadUpdateInput(LeadInput):
    name = serializers.CharField(max_length=100, required=False)
    source: Any = serializers.SlugRelatedField(
        slug_field="code", queryset=Source.objects.filter(active=True), required=False
    )


class AssignInput(serializers.Serializer):
    to_user = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.all())
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class MergeInput(serializers.Serializer):
    duplicate = serializers.IntegerField(help_text="The lead folded into this one (it is closed)")


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=200, allow_blank=True)


FILTER_PARAMETERS = [
    OpenApiParameter(name, str, description=str(f.label)) for name, f in LeadFilter.base_filters.items()
]


class LeadViewSet(viewsets.GenericViewSet):
    """Leads the caller may see; others answer 404. Status moves and assignment are POST actions."""

    serializer_class = LeadOutput
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[Lead]:
        return lead_list_visible_to(user=self.request.user, filters=self.request.query_params)

    def _lead(self, pk: Any) -> Lead:
        return lead_get_for_user(user=self.request.user, pk=int(pk))

    @extend_schema(parameters=FILTER_PARAMETERS)
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset().select_related("rubric"))
        return self.get_paginated_response(LeadOutput(page, many=True).data)

    def retrieve(self, request: Request, pk: Any = None) -> Response:
        return Response(LeadOutput(self._lead(pk)).data)

    @extend_schema(request=LeadInput, responses={201: LeadOutput})
    def create(self, request: Request) -> Response:
        data = LeadInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        lead = services.lead_create(actor=request.user, name=fields.pop("name"), source=fields.pop("source"), **fields)
        return Response(LeadOutput(self._lead(lead.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=LeadUpdateInput, responses={200: LeadOutput})
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        lead = self._lead(pk)
        data = LeadUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.lead_update(actor=request.user, lead=lead, **data.validated_data)
        return Response(LeadOutput(self._lead(pk)).data)

    @extend_schema(request=AssignInput, responses={200: LeadOutput})
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: Any = None) -> Response:
        lead = self._lead(pk)
        data = AssignInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.lead_assign(actor=request.user, lead=lead, **data.validated_data)
        return Response(LeadOutput(self._lead(pk)).data)

    @extend_schema(request=ReasonInput, responses={200: LeadOutput})
    @action(detail=True, methods=["post"])
    def disqualify(self, request: Request, pk: Any = None) -> Response:
        lead = self._lead(pk)
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.lead_disqualify(actor=request.user, lead=lead, reason=data.validated_data["reason"])
        return Response(LeadOutput(self._lead(pk)).data)

    @extend_schema(request=None, responses={200: LeadOutput})
    @action(detail=True, methods=["post"])
    def qualify(self, request: Request, pk: Any = None) -> Response:
        services.lead_qualify(actor=request.user, lead=self._lead(pk))
        return Response(LeadOutput(self._lead(pk)).data)

    @extend_schema(request=None, responses={200: LeadOutput})
    @action(detail=True, methods=["post"])
    def nurture(self, request: Request, pk: Any = None) -> Response:
        services.lead_nurture(actor=request.user, lead=self._lead(pk))
        return Response(LeadOutput(self._lead(pk)).data)

    @extend_schema(request=MergeInput, responses={200: LeadOutput})
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: Any = None) -> Response:
        """A manager folds a duplicate lead into this one."""
        keep = self._lead(pk)
        data = MergeInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.lead_merge(actor=request.user, keep=keep, duplicate=self._lead(data.validated_data["duplicate"]))
        return Response(LeadOutput(self._lead(pk)).data)
