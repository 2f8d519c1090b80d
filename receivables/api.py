"""Invoices and payments over the API: transitions as POST actions, amounts as strings. Recording a payment
and allocating one accept an ``Idempotency-Key``: a retried request replays the first answer."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.models import Installment
from contracts.selectors import contract_get_for_user
from customers.selectors import account_get_for_user
from ltc.idempotency import HEADER, idempotent
from receivables import services
from receivables.models import Allocation, Invoice, InvoiceLine, InvoiceStatus, Method, Payment, WriteOff
from receivables.selectors import (
    invoice_get_for_user,
    invoice_list_visible_to,
    payment_get_for_user,
    payment_list_visible_to,
)

IDEMPOTENCY = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Any unique string; the same key replays the first answer, the same key with other content is "
    "refused (422, idempotency_key_reused).",
)


class InvoiceLineOutput(serializers.ModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = ["position", "description", "tax_rate", "net", "tax", "total"]
        read_only_fields = fields


class AllocationOutput(serializers.ModelSerializer):
    invoice_number = serializers.CharField(source="invoice.number", read_only=True)

    class Meta:
        model = Allocation
        fields = ["id", "payment", "invoice", "invoice_number", "amount", "payment_amount", "rate", "reversal_of",
                  "at", "note"]  # fmt: skip
        read_only_fields = fields


class WriteOffOutput(serializers.ModelSerializer):
    requested_by: serializers.Field = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by: serializers.Field = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = WriteOff
        fields = ["id", "amount", "reason", "state", "requested_by", "requested_at", "decided_by", "decided_at",
                  "comment"]  # fmt: skip
        read_only_fields = fields


class InvoiceOutput(serializers.ModelSerializer):
    lines = InvoiceLineOutput(many=True, read_only=True)
    allocations = AllocationOutput(many=True, read_only=True)
    write_offs = WriteOffOutput(many=True, read_only=True)
    open_balance = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    owner: serializers.Field = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Invoice
        fields = [
            "id", "kind", "number", "account", "contract", "installment", "corrects", "status", "issued_on",
            "due_on", "currency", "net", "tax", "total", "allocated", "credited", "written_off", "open_balance",
            "paid_on", "void_reason", "note", "owner", "lines", "allocations", "write_offs", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class LineInput(serializers.Serializer):
    description = serializers.CharField(max_length=300)
    total = serializers.CharField()
    tax_rate = serializers.CharField(required=False, default="0")


class InvoiceCreateInput(serializers.Serializer):
    installment = serializers.IntegerField(required=False, help_text="Invoice what is left of this installment.")
    account = serializers.IntegerField(required=False)
    contract = serializers.IntegerField(required=False)
    currency = serializers.CharField(required=False, max_length=3)
    due_on = serializers.DateField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    lines = LineInput(many=True, required=False)


class IssueInput(serializers.Serializer):
    issued_on = serializers.DateField(required=False)
    due_on = serializers.DateField(required=False)


class CorrectionReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=300, allow_blank=True)


class AmountReasonInput(CorrectionReasonInput):
    amount = serializers.CharField()


class WriteOffDecideInput(serializers.Serializer):
    approve = serializers.BooleanField()
    comment = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class InvoiceViewSet(viewsets.GenericViewSet):
    """Invoices one may see (finance: all). Drafted from an installment (or with lines), then ``issue``d;
    ``void``, ``credit-note`` and ``write-off`` correct or close them."""

    serializer_class = InvoiceOutput
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[Invoice]:
        invoices = invoice_list_visible_to(user=self.request.user).prefetch_related("lines", "allocations",
                                                                                    "write_offs")  # fmt: skip
        params = self.request.query_params
        if params.get("status") in InvoiceStatus.values:
            invoices = invoices.filter(status=params["status"])
        if params.get("account", "").isdigit():
            invoices = invoices.filter(account_id=int(params["account"]))
        if params.get("overdue") in ("1", "true"):
            invoices = invoices.filter(
                status__in=(InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID), due_on__lt=timezone.localdate()
            )
        return invoices

    def _invoice(self, pk: Any) -> Invoice:
        return invoice_get_for_user(user=self.request.user, pk=int(pk))

    def _answer(self, pk: Any, code: int = status.HTTP_200_OK) -> Response:
        return Response(InvoiceOutput(self._invoice(pk)).data, status=code)

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=InvoiceStatus.values),
            OpenApiParameter("account", int),
            OpenApiParameter("overdue", bool),
        ]
    )
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(InvoiceOutput(page, many=True).data)

    def retrieve(self, request: Request, pk: Any = None) -> Response:
        return self._answer(pk)

    @extend_schema(request=InvoiceCreateInput, responses={201: InvoiceOutput})
    def create(self, request: Request) -> Response:
        data = InvoiceCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        if given.get("installment"):
            installment = get_object_or_404(Installment, pk=given["installment"])
            contract_get_for_user(user=request.user, pk=installment.contract_id)  # 404 unless visible
            invoice = services.invoice_create_from_installment(actor=request.user, installment=installment)
        else:
            if not given.get("account"):
                raise serializers.ValidationError({"account": ["Required without an installment."]})
            account = account_get_for_user(user=request.user, pk=given["account"])
            contract = contract_get_for_user(user=request.user, pk=given["contract"]) if given.get("contract") else None
            invoice = services.invoice_create(
                actor=request.user, account=account, contract=contract, lines=[dict(x) for x in given.get("lines", [])],
                currency=given.get("currency"), due_on=given.get("due_on"), note=given["note"],
            )  # fmt: skip
        return self._answer(invoice.pk, status.HTTP_201_CREATED)

    @extend_schema(request=IssueInput, responses={200: InvoiceOutput})
    @action(detail=True, methods=["post"])
    def issue(self, request: Request, pk: Any = None) -> Response:
        data = IssueInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.invoice_issue(actor=request.user, invoice=self._invoice(pk), **data.validated_data)
        return self._answer(pk)

    @extend_schema(request=CorrectionReasonInput, responses={200: InvoiceOutput})
    @action(detail=True, methods=["post"])
    def void(self, request: Request, pk: Any = None) -> Response:
        data = CorrectionReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.invoice_void(actor=request.user, invoice=self._invoice(pk), reason=data.validated_data["reason"])
        return self._answer(pk)

    @extend_schema(request=AmountReasonInput, responses={201: InvoiceOutput})
    @action(detail=True, methods=["post"], url_path="credit-note")
    def credit_note(self, request: Request, pk: Any = None) -> Response:
        data = AmountReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        note = services.credit_note_issue(actor=request.user, invoice=self._invoice(pk), **data.validated_data)
        return self._answer(note.pk, status.HTTP_201_CREATED)

    @extend_schema(request=AmountReasonInput, responses={201: WriteOffOutput})
    @action(detail=True, methods=["post"], url_path="write-off")
    def write_off(self, request: Request, pk: Any = None) -> Response:
        data = AmountReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        made = services.write_off_request(actor=request.user, invoice=self._invoice(pk), **data.validated_data)
        return Response(WriteOffOutput(made).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WriteOffDecideInput, responses={200: WriteOffOutput})
    @action(detail=True, methods=["post"], url_path=r"write-offs/(?P<write_off>[0-9]+)/decide")
    def decide_write_off(self, request: Request, pk: Any = None, write_off: Any = None) -> Response:
        data = WriteOffDecideInput(data=request.data)
        data.is_valid(raise_exception=True)
        target = get_object_or_404(WriteOff, pk=int(write_off), invoice=self._invoice(pk))
        decided = services.write_off_decide(actor=request.user, write_off=target, **data.validated_data)
        return Response(WriteOffOutput(decided).data)


class PaymentOutput(serializers.ModelSerializer):
    allocations = AllocationOutput(many=True, read_only=True)
    unallocated = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = Payment
        fields = ["id", "account", "payer", "received_on", "amount", "currency", "method", "reference", "allocated",
                  "unallocated", "reversal_of", "note", "allocations", "created_at"]  # fmt: skip
        read_only_fields = fields


class PartInput(serializers.Serializer):
    invoice = serializers.IntegerField()
    amount = serializers.CharField()


class PaymentInput(serializers.Serializer):
    account = serializers.IntegerField()
    payer = serializers.CharField(max_length=200)
    received_on = serializers.DateField()
    amount = serializers.CharField(help_text='A decimal string, e.g. "1234.56".')
    currency = serializers.CharField(max_length=3, required=False)
    method = serializers.ChoiceField(choices=Method.choices, default=Method.TRANSFER)
    reference = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    allocations = PartInput(many=True, required=False)


class AllocateInput(serializers.Serializer):
    allocations = PartInput(many=True)
    rate = serializers.CharField(required=False, allow_blank=True, help_text="Invoice currency per payment unit.")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class PaymentViewSet(viewsets.GenericViewSet):
    """Payments one may see (finance: all). Recorded with or without allocations; ``allocate`` what is left;
    ``reverse`` a payment that did not hold, or one allocation, by new entries."""

    serializer_class = PaymentOutput
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[Payment]:
        return payment_list_visible_to(user=self.request.user).prefetch_related("allocations__invoice")

    def _payment(self, pk: Any) -> Payment:
        return payment_get_for_user(user=self.request.user, pk=int(pk))

    def _parts(self, rows: list[dict[str, Any]]) -> list[tuple[Invoice, Any]]:
        return [(invoice_get_for_user(user=self.request.user, pk=row["invoice"]), row["amount"]) for row in rows]

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(PaymentOutput(page, many=True).data)

    def retrieve(self, request: Request, pk: Any = None) -> Response:
        return Response(PaymentOutput(self._payment(pk)).data)

    @extend_schema(request=PaymentInput, responses={201: PaymentOutput}, parameters=[IDEMPOTENCY])
    def create(self, request: Request) -> Response:
        def act() -> Response:
            data = PaymentInput(data=request.data)
            data.is_valid(raise_exception=True)
            given = dict(data.validated_data)
            account = account_get_for_user(user=request.user, pk=given.pop("account"))
            parts = self._parts(given.pop("allocations", []))
            payment = services.payment_record(actor=request.user, account=account, allocations=parts, **given)
            return Response(PaymentOutput(self._payment(payment.pk)).data, status=status.HTTP_201_CREATED)

        return idempotent(request, "payments.create", act)

    @extend_schema(request=AllocateInput, responses={200: PaymentOutput}, parameters=[IDEMPOTENCY])
    @action(detail=True, methods=["post"])
    def allocate(self, request: Request, pk: Any = None) -> Response:
        def act() -> Response:
            data = AllocateInput(data=request.data)
            data.is_valid(raise_exception=True)
            payment = self._payment(pk)
            given = data.validated_data
            parts = self._parts(given["allocations"])
            services.allocate(
                actor=request.user, payment=payment, parts=parts, rate=given.get("rate"), note=given["note"]
            )
            return Response(PaymentOutput(self._payment(pk)).data)

        return idempotent(request, f"payments.{int(pk)}.allocate", act)

    @extend_schema(request=CorrectionReasonInput, responses={201: PaymentOutput})
    @action(detail=True, methods=["post"])
    def reverse(self, request: Request, pk: Any = None) -> Response:
        data = CorrectionReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        made = services.payment_reverse(actor=request.user, payment=self._payment(pk), **data.validated_data)
        return Response(PaymentOutput(made).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CorrectionReasonInput, responses={200: PaymentOutput})
    @action(detail=True, methods=["post"], url_path=r"allocations/(?P<allocation>[0-9]+)/reverse")
    def reverse_allocation(self, request: Request, pk: Any = None, allocation: Any = None) -> Response:
        data = CorrectionReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        payment = self._payment(pk)
        target = get_object_or_404(Allocation, pk=int(allocation), payment=payment)
        services.allocation_reverse(actor=request.user, allocation=target, **data.validated_data)
        return Response(PaymentOutput(self._payment(pk)).data)
