"""Accounts and contacts over the API: input serializer → selector or service → output serializer."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from customers.models import Account, CompanySize, Contact
from customers.selectors import (
    account_get_for_user,
    account_list_visible_to,
    contact_get_for_user,
    contact_list_visible_to,
)
from customers.services import account_create, contact_create, contact_merge
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


class ContactOutput(serializers.ModelSerializer):
    account_name = serializers.CharField(source="account.name", read_only=True)

    class Meta:
        model = Contact
        fields = ["id", "account", "account_name", "name", "title", "role", "phone", "email", "created_at"]
        read_only_fields = fields


class ContactInput(serializers.Serializer):
    account = serializers.IntegerField()
    name = serializers.CharField(max_length=100)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")


class ContactMergeInput(serializers.Serializer):
    duplicate = serializers.IntegerField(min_value=1)


class ContactViewSet(viewsets.GenericViewSet):
    """Contacts at the accounts the caller may see; others answer 404. ``?account=<id>`` and ``?q=`` narrow."""

    serializer_class = ContactOutput
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[Contact]:
        params = self.request.query_params
        account = params.get("account", "")
        return contact_list_visible_to(
            user=self.request.user,
            account_id=int(account) if account.isdigit() else None,
            search=params.get("q", "").strip(),
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("account", int, description="Only this account's contacts"),
            OpenApiParameter("q", str, description="Name, phone or email"),
        ]
    )
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ContactOutput(page, many=True).data)

    def retrieve(self, request: Request, pk: Any = None) -> Response:
        return Response(ContactOutput(contact_get_for_user(user=request.user, pk=int(pk))).data)

    @extend_schema(request=ContactInput, responses={201: ContactOutput})
    def create(self, request: Request) -> Response:
        data = ContactInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        account = account_get_for_user(user=request.user, pk=fields.pop("account"))
        contact = contact_create(actor=request.user, account=account, **fields)
        return Response(ContactOutput(contact).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ContactMergeInput, responses={200: ContactOutput})
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: Any = None) -> Response:
        """Fold the ``duplicate`` contact into this one (a manager of the account's owner only)."""
        data = ContactMergeInput(data=request.data)
        data.is_valid(raise_exception=True)
        keep = contact_get_for_user(user=request.user, pk=int(pk))
        duplicate = contact_get_for_user(user=request.user, pk=data.validated_data["duplicate"])
        contact = contact_merge(actor=request.user, keep=keep, duplicate=duplicate)
        return Response(ContactOutput(contact).data)
