"""Contracts and orders over the API: transitions as POST actions, amounts as strings."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from contracts import services
from contracts.models import (
    Amendment,
    Approval,
    Contract,
    ContractLine,
    ContractVersion,
    HandoffItem,
    Installment,
    Order,
    OrderStatus,
    ReviewItem,
)
from contracts.selectors import (
    contract_get_for_user,
    contract_list_visible_to,
    order_get_for_user,
    order_list_visible_to,
)
from opportunities.selectors import quote_get_for_user


class LineOutput(serializers.ModelSerializer):
    class Meta:
        model = ContractLine
        fields = ["position", "product_code", "description", "unit", "quantity", "unit_price", "discount_percent",
                  "tax_rate", "total"]  # fmt: skip
        read_only_fields = fields


class InstallmentIO(serializers.ModelSerializer):
    class Meta:
        model = Installment
        fields = ["id", "position", "label", "milestone", "due_on", "due_days", "percent", "amount", "invoiceable",
                  "received", "settled_on", "cancelled"]  # fmt: skip
        read_only_fields = fields


class ApprovalOutput(serializers.ModelSerializer):
    step: serializers.Field = serializers.StringRelatedField()
    by: serializers.Field = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Approval
        fields = ["step", "approved", "by", "at", "comment"]
        read_only_fields = fields


class AmendmentOutput(serializers.ModelSerializer):
    requested_by: serializers.Field = serializers.SlugRelatedField(slug_field="username", read_only=True)
    approvals = ApprovalOutput(many=True, read_only=True)
    next_approval = serializers.SerializerMethodField()

    class Meta:
        model = Amendment
        fields = ["number", "kind", "state", "reason", "total", "ends_on", "effective_on", "lines", "installments",
                  "requested_by", "requested_at", "decided_at", "approvals", "next_approval"]  # fmt: skip
        read_only_fields = fields

    def get_next_approval(self, amendment: Amendment) -> str | None:
        if amendment.state != Amendment.State.PENDING:
            return None
        _done, step = services.amendment_state(amendment)
        return str(step) if step else None


class VersionOutput(serializers.ModelSerializer):
    amendment = serializers.IntegerField(source="amendment.number", allow_null=True, read_only=True, default=None)

    class Meta:
        model = ContractVersion
        fields = ["version", "amendment", "total", "starts_on", "ends_on", "lines", "installments", "created_at"]
        read_only_fields = fields


class ContractOutput(serializers.ModelSerializer):
    lines = LineOutput(many=True, read_only=True)
    installments = InstallmentIO(many=True, read_only=True)
    approvals = serializers.SerializerMethodField()
    checklist_missing = serializers.SerializerMethodField()
    next_approval = serializers.SerializerMethodField()
    owner: serializers.Field = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Contract
        fields = [
            "id", "number", "title", "opportunity", "quote", "account", "currency", "total", "status", "version",
            "starts_on", "ends_on", "signed_on", "signatory", "ended_on", "end_reason", "owner", "lines",
            "installments", "approvals", "checklist_missing", "next_approval", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_approvals(self, contract: Contract) -> list[dict[str, Any]]:
        """The contract's own approvals (an amendment's are listed with it)."""
        own = [a for a in contract.approvals.all() if a.amendment_id is None]
        return ApprovalOutput(own, many=True).data  # type: ignore[return-value]

    def get_checklist_missing(self, contract: Contract) -> list[str]:
        return [str(item) for item in services.checklist_missing(contract)]

    def get_next_approval(self, contract: Contract) -> str | None:
        _done, step = services.approval_state(contract)
        return str(step) if step else None


class CreateInput(serializers.Serializer):
    quote = serializers.IntegerField()
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class PlanRow(serializers.Serializer):
    id = serializers.IntegerField(required=False, allow_null=True)
    label: Any = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    milestone = serializers.CharField(max_length=16)
    due_on = serializers.DateField(required=False, allow_null=True)
    due_days = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    percent = serializers.CharField(required=False, allow_blank=True, default="")
    amount = serializers.CharField(required=False, allow_blank=True, default="")


class PlanInput(serializers.Serializer):
    installments = PlanRow(many=True)


class TickInput(serializers.Serializer):
    item = serializers.IntegerField()
    done = serializers.BooleanField(default=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class DecideInput(serializers.Serializer):
    approve = serializers.BooleanField()
    comment = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class SignInput(serializers.Serializer):
    signed_on = serializers.DateField()
    signatory = serializers.CharField(max_length=100)
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True)


class AmendInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500, allow_blank=True)
    lines = serializers.ListField(child=serializers.DictField(), required=False, allow_null=True, default=None)
    installments = PlanRow(many=True, required=False, allow_null=True, default=None)
    ends_on = serializers.DateField(required=False, allow_null=True)


class TerminateInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500, allow_blank=True)
    effective_on = serializers.DateField()


class ContractViewSet(viewsets.GenericViewSet):
    """Contracts one may see (finance: all). Made from an accepted quote; ``plan``, ``tick``, ``decide`` and
    ``sign`` are the review and signing, in that order."""

    serializer_class = ContractOutput
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[Contract]:
        return contract_list_visible_to(user=self.request.user).prefetch_related("lines", "installments", "approvals")

    def _answer(self, pk: Any, code: int = status.HTTP_200_OK) -> Response:
        return Response(ContractOutput(contract_get_for_user(user=self.request.user, pk=int(pk))).data, status=code)

    def _contract(self, pk: Any) -> Contract:
        return contract_get_for_user(user=self.request.user, pk=int(pk))

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ContractOutput(page, many=True).data)

    def retrieve(self, request: Request, pk: Any = None) -> Response:
        return self._answer(pk)

    @extend_schema(request=CreateInput, responses={201: ContractOutput})
    def create(self, request: Request) -> Response:
        data = CreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        quote = quote_get_for_user(user=request.user, pk=data.validated_data["quote"])
        contract = services.contract_create_from_quote(
            actor=request.user, quote=quote, title=data.validated_data["title"]
        )
        return self._answer(contract.pk, status.HTTP_201_CREATED)

    @extend_schema(request=PlanInput, responses={200: ContractOutput})
    @action(detail=True, methods=["put"])
    def plan(self, request: Request, pk: Any = None) -> Response:
        data = PlanInput(data=request.data)
        data.is_valid(raise_exception=True)
        rows = [dict(row) for row in data.validated_data["installments"]]
        services.plan_set(actor=request.user, contract=self._contract(pk), installments=rows)
        return self._answer(pk)

    @extend_schema(request=TickInput, responses={200: ContractOutput})
    @action(detail=True, methods=["post"])
    def tick(self, request: Request, pk: Any = None) -> Response:
        data = TickInput(data=request.data)
        data.is_valid(raise_exception=True)
        item = ReviewItem.objects.get(pk=data.validated_data["item"])
        services.review_tick(actor=request.user, contract=self._contract(pk), item=item,
                             done=data.validated_data["done"], note=data.validated_data["note"])  # fmt: skip
        return self._answer(pk)

    @extend_schema(request=DecideInput, responses={200: ContractOutput})
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: Any = None) -> Response:
        data = DecideInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.contract_decide(actor=request.user, contract=self._contract(pk), **data.validated_data)
        return self._answer(pk)

    @extend_schema(request=SignInput, responses={200: ContractOutput})
    @action(detail=True, methods=["post"])
    def sign(self, request: Request, pk: Any = None) -> Response:
        data = SignInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.contract_sign(actor=request.user, contract=self._contract(pk), **data.validated_data)
        return self._answer(pk)

    @extend_schema(responses={200: VersionOutput(many=True)})
    @action(detail=True, methods=["get"])
    def versions(self, request: Request, pk: Any = None) -> Response:
        versions = self._contract(pk).versions.select_related("amendment")
        return Response(VersionOutput(versions, many=True).data)

    @extend_schema(responses={200: AmendmentOutput(many=True)})
    @action(detail=True, methods=["get"])
    def amendments(self, request: Request, pk: Any = None) -> Response:
        amendments = (
            self._contract(pk)
            .amendments.select_related("requested_by")
            .prefetch_related("approvals__step", "approvals__by")
        )
        return Response(AmendmentOutput(amendments, many=True).data)

    @extend_schema(request=AmendInput, responses={201: AmendmentOutput})
    @action(detail=True, methods=["post"])
    def amend(self, request: Request, pk: Any = None) -> Response:
        """Propose an amendment to a signed contract: new lines, plan or end date (what is left out stays)."""
        data = AmendInput(data=request.data)
        data.is_valid(raise_exception=True)
        given = dict(data.validated_data)
        if "ends_on" not in request.data:
            given.pop("ends_on", None)
        if given.get("installments") is not None:
            given["installments"] = [dict(row) for row in given["installments"]]
        amendment = services.amendment_propose(actor=request.user, contract=self._contract(pk), **given)
        return Response(AmendmentOutput(amendment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TerminateInput, responses={201: AmendmentOutput})
    @action(detail=True, methods=["post"])
    def terminate(self, request: Request, pk: Any = None) -> Response:
        data = TerminateInput(data=request.data)
        data.is_valid(raise_exception=True)
        amendment = services.contract_terminate(actor=request.user, contract=self._contract(pk), **data.validated_data)
        return Response(AmendmentOutput(amendment).data, status=status.HTTP_201_CREATED)

    def _amendment(self, pk: Any, number: Any) -> Amendment:
        return get_object_or_404(Amendment, contract=self._contract(pk), number=int(number))

    @extend_schema(request=DecideInput, responses={200: AmendmentOutput})
    @action(detail=True, methods=["post"], url_path=r"amendments/(?P<number>[0-9]+)/decide")
    def decide_amendment(self, request: Request, pk: Any = None, number: Any = None) -> Response:
        data = DecideInput(data=request.data)
        data.is_valid(raise_exception=True)
        amendment = services.amendment_decide(
            actor=request.user, amendment=self._amendment(pk, number), **data.validated_data
        )
        amendment.refresh_from_db()
        return Response(AmendmentOutput(amendment).data)

    @extend_schema(request=None, responses={200: AmendmentOutput})
    @action(detail=True, methods=["post"], url_path=r"amendments/(?P<number>[0-9]+)/withdraw")
    def withdraw_amendment(self, request: Request, pk: Any = None, number: Any = None) -> Response:
        amendment = services.amendment_withdraw(actor=request.user, amendment=self._amendment(pk, number))
        return Response(AmendmentOutput(amendment).data)


class OrderOutput(serializers.ModelSerializer):
    contract_number = serializers.CharField(source="contract.number", read_only=True)
    delivery: serializers.Field = serializers.SlugRelatedField(slug_field="username", read_only=True)
    handoff_missing = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = ["id", "number", "contract", "contract_number", "status", "returned_reason", "delivery", "accepted_at",
                  "delivered_on", "customer_accepted_on", "handoff_missing", "created_at"]  # fmt: skip
        read_only_fields = fields

    def get_handoff_missing(self, order: Order) -> list[str]:
        return [str(item) for item in services.handoff_missing(order)]


class SendBackInput(serializers.Serializer):
    reason = serializers.CharField(max_length=300, allow_blank=True)


class ProgressInput(serializers.Serializer):
    to = serializers.ChoiceField(
        choices=[OrderStatus.IN_DELIVERY, OrderStatus.DELIVERED, OrderStatus.CUSTOMER_ACCEPTED]
    )
    on = serializers.DateField(required=False, allow_null=True)


class OrderViewSet(viewsets.GenericViewSet):
    """Orders one may see. ``tick`` the hand-off package, then delivery ``accept``s or ``send-back``s; ``progress``
    moves the fulfilment on."""

    serializer_class = OrderOutput
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[Order]:
        return order_list_visible_to(user=self.request.user)

    def _order(self, pk: Any) -> Order:
        return order_get_for_user(user=self.request.user, pk=int(pk))

    def _answer(self, pk: Any) -> Response:
        return Response(OrderOutput(self._order(pk)).data)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(OrderOutput(page, many=True).data)

    def retrieve(self, request: Request, pk: Any = None) -> Response:
        return self._answer(pk)

    @extend_schema(request=TickInput, responses={200: OrderOutput})
    @action(detail=True, methods=["post"])
    def tick(self, request: Request, pk: Any = None) -> Response:
        data = TickInput(data=request.data)
        data.is_valid(raise_exception=True)
        item = HandoffItem.objects.get(pk=data.validated_data["item"])
        services.handoff_tick(actor=request.user, order=self._order(pk), item=item,
                              done=data.validated_data["done"], note=data.validated_data["note"])  # fmt: skip
        return self._answer(pk)

    @extend_schema(request=None, responses={200: OrderOutput})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: Any = None) -> Response:
        services.order_accept(actor=request.user, order=self._order(pk))
        return self._answer(pk)

    @extend_schema(request=SendBackInput, responses={200: OrderOutput})
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request: Request, pk: Any = None) -> Response:
        data = SendBackInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.order_send_back(actor=request.user, order=self._order(pk), reason=data.validated_data["reason"])
        return self._answer(pk)

    @extend_schema(request=ProgressInput, responses={200: OrderOutput})
    @action(detail=True, methods=["post"])
    def progress(self, request: Request, pk: Any = None) -> Response:
        data = ProgressInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.order_progress(actor=request.user, order=self._order(pk), to=data.validated_data["to"],
                                on=data.validated_data.get("on"))  # fmt: skip
        return self._answer(pk)
