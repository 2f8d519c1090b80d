"""Accounts over the API: input serializer → selector or service → output serializer."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from customers.models import Account, CompanySize
from customers.selectors import account_get_for_user, account_list_visible_to
from customers.services import account_create
from org.models import Region


class AccountOutput(serializers.ModelSerializer):
    owner: serializers.Field = serializers.StringRelatedField()
    owner_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = Account
        fields = ["id", "name", "industry", "size", "region", "city", "website", "owner_id", "owner", "created_at"]
        read_only_fields = fields


class AccountInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    industry = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    size = serializers.ChoiceField(choices=CompanySize.choices, required=False, allow_blank=True, default="")
    region = serializers.ChoiceField(choices=Region.choices, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    website = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def validate_name(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("This field may not be blank.", code="blank")
        return value


class AccountViewSet(viewsets.GenericViewSet):
    """Accounts the caller may see; others answer 404."""

    serializer_class = AccountOutput
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[Account]:
        return account_list_visible_to(user=self.request.user, search=self.request.query_params.get("q", ""))

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(AccountOutput(page, many=True).data)

    def retrieve(self, request: Request, pk: Any = None) -> Response:
        return Response(AccountOutput(account_get_for_user(user=request.user, pk=int(pk))).data)

    @extend_schema(request=AccountInput, responses={201: AccountOutput})
    def create(self, request: Request) -> Response:
        data = AccountInput(data=request.data)
        data.is_valid(raise_exception=True)
        account = account_create(actor=request.user, owner=request.user, **data.validated_data)
        return Response(AccountOutput(account).data, status=status.HTTP_201_CREATED)
