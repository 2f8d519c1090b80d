"""Opportunities over the API, and the conversion of a lead (``POST /api/v1/leads/{id}/convert/``), which
lives here because the service that creates an opportunity belongs to the app of the opportunity."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.selectors import account_get_for_user, contact_list_visible_to
from leads.selectors import lead_get_for_user
from opportunities.models import Opportunity
from opportunities.selectors import opportunity_get_for_user, opportunity_list_visible_to
from opportunities.services import opportunity_create_from_lead


class OpportunityOutput(serializers.ModelSerializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True, read_only=True)
    owner: serializers.Field = serializers.SlugRelatedField(slug_field="username", read_only=True)
    source: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    account_name = serializers.CharField(source="account.name", read_only=True)

    class Meta:
        model = Opportunity
        fields = [
            "id", "name", "account", "account_name", "contact", "amount", "currency", "expected_close_date",
            "owner", "team", "source_lead", "source", "campaign", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class ConvertInput(serializers.Serializer):
    account = serializers.IntegerField(required=False, allow_null=True, help_text="An existing account to link")
    new_account = serializers.BooleanField(required=False, default=False)
    contact = serializers.IntegerField(required=False, allow_null=True, help_text="An existing contact to link")
    new_contact = serializers.BooleanField(required=False, default=False)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True, min_value=0)
    expected_close_date = serializers.DateField(required=False, allow_null=True)


class OpportunityViewSet(viewsets.GenericViewSet):
    """Opportunities the caller may see; others answer 404."""

    serializer_class = OpportunityOutput
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[Opportunity]:
        return opportunity_list_visible_to(user=self.request.user)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(OpportunityOutput(page, many=True).data)

    def retrieve(self, request: Request, pk: Any = None) -> Response:
        return Response(OpportunityOutput(opportunity_get_for_user(user=request.user, pk=int(pk))).data)


class LeadConvertApi(APIView):
    """Convert a lead the caller may see: link or create the account and contact, open an opportunity."""

    @extend_schema(request=ConvertInput, responses={201: OpportunityOutput}, operation_id="leads_convert")
    def post(self, request: Request, pk: int) -> Response:
        lead = lead_get_for_user(user=request.user, pk=pk)
        data = ConvertInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        account_id, contact_id = fields.pop("account", None), fields.pop("contact", None)
        account = account_get_for_user(user=request.user, pk=account_id) if account_id else None
        contact = None
        if contact_id:
            contact = contact_list_visible_to(user=request.user).filter(pk=contact_id).first()
            if contact is None:
                raise Http404
        opportunity = opportunity_create_from_lead(
            actor=request.user, lead=lead, account=account, contact=contact, **fields
        )
        return Response(OpportunityOutput(opportunity).data, status=status.HTTP_201_CREATED)
