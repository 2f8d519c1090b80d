"""Opportunities over the API, and the conversion of a lead (``POST /api/v1/leads/{id}/convert/``), which
lives here because the service that creates an opportunity belongs to the app of the opportunity."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.selectors import account_get_for_user, contact_list_visible_to
from leads.selectors import lead_get_for_user
from ltc.money import CURRENCY_CHOICES
from opportunities import services
from opportunities.models import LostReason, Opportunity, Product, Quote, QuoteLine, Stage
from opportunities.selectors import opportunity_get_for_user, opportunity_list_visible_to, quote_get_for_user
from opportunities.services import opportunity_create_from_lead
from org.models import User


class OpportunityOutput(serializers.ModelSerializer):
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, coerce_to_string=True, read_only=True)
    owner: serializers.Field = serializers.SlugRelatedField(slug_field="username", read_only=True)
    presales: serializers.Field = serializers.SlugRelatedField(slug_field="username", read_only=True)
    delivery: serializers.Field = serializers.SlugRelatedField(slug_field="username", read_only=True)
    source: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    account_name = serializers.CharField(source="account.name", read_only=True)
    stage_name = serializers.CharField(source="stage.name", read_only=True, allow_null=True)
    stage_category = serializers.CharField(source="stage.category", read_only=True, allow_null=True)

    class Meta:
        model = Opportunity
        fields = [
            "id", "name", "account", "account_name", "contact", "amount", "currency", "expected_close_date",
            "pipeline", "stage", "stage_name", "stage_category", "probability", "stage_entered_at", "version",
            "owner", "presales", "delivery", "team", "lost_reason", "competitor", "closed_at",
            "source_lead", "source", "campaign", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class OpportunityInput(serializers.Serializer):
    account = serializers.IntegerField()
    name = serializers.CharField(max_length=200)
    contact = serializers.IntegerField(required=False, allow_null=True)
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, required=False, allow_null=True, min_value=0)
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES, required=False)
    expected_close_date = serializers.DateField(required=False, allow_null=True)


class OpportunityUpdateInput(serializers.Serializer):
    version = serializers.IntegerField(required=False, help_text="Refuse the change if the deal moved meanwhile")
    name = serializers.CharField(max_length=200, required=False)
    contact = serializers.IntegerField(required=False, allow_null=True)
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, required=False, min_value=0)
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES, required=False)
    expected_close_date = serializers.DateField(required=False, allow_null=True)
    probability = serializers.IntegerField(required=False, min_value=0, max_value=100)


class MoveInput(serializers.Serializer):
    stage = serializers.PrimaryKeyRelatedField(queryset=Stage.objects.all())
    version = serializers.IntegerField(help_text="The version the caller saw; a moved deal answers 409")
    notes = serializers.DictField(
        child=serializers.CharField(max_length=200), required=False, help_text="Guidance requirement id → why"
    )


class VersionInput(serializers.Serializer):
    version = serializers.IntegerField()


class LoseInput(VersionInput):
    lost_reason = serializers.PrimaryKeyRelatedField(queryset=LostReason.objects.filter(active=True))
    competitor = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class TeamInput(serializers.Serializer):
    presales = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.all(), allow_null=True)
    delivery = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.all(), allow_null=True)


class ConvertInput(serializers.Serializer):
    account = serializers.IntegerField(required=False, allow_null=True, help_text="An existing account to link")
    new_account = serializers.BooleanField(required=False, default=False)
    contact = serializers.IntegerField(required=False, allow_null=True, help_text="An existing contact to link")
    new_contact = serializers.BooleanField(required=False, default=False)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True, min_value=0)
    expected_close_date = serializers.DateField(required=False, allow_null=True)


class OpportunityViewSet(viewsets.GenericViewSet):
    """Deals the caller may see (owner, managers, the iron triangle); others answer 404. Moves are POST actions:
    ``move`` (through the gates; a stale ``version`` answers 409), ``win``, ``lose``, ``team``."""

    serializer_class = OpportunityOutput
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[Opportunity]:
        qs = opportunity_list_visible_to(user=self.request.user).select_related("stage")
        params = self.request.query_params
        for name in ("stage", "pipeline", "account"):
            if params.get(name, "").isdigit():
                qs = qs.filter(**{f"{name}_id": int(params[name])})
        if params.get("category") in ("open", "won", "lost"):
            qs = qs.filter(stage__category=params["category"])
        return qs

    def _deal(self, pk: Any) -> Opportunity:
        return opportunity_get_for_user(user=self.request.user, pk=int(pk))

    def _answer(self, pk: Any) -> Response:
        return Response(OpportunityOutput(self._deal(pk)).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(name, int, description=f"Only this {name}") for name in ("stage", "pipeline", "account")
        ]
        + [OpenApiParameter("category", str, enum=["open", "won", "lost"])]
    )
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(OpportunityOutput(page, many=True).data)

    def retrieve(self, request: Request, pk: Any = None) -> Response:
        return self._answer(pk)

    @extend_schema(request=OpportunityInput, responses={201: OpportunityOutput})
    def create(self, request: Request) -> Response:
        data = OpportunityInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        account = account_get_for_user(user=request.user, pk=fields.pop("account"))
        contact_id = fields.pop("contact", None)
        contact = get_object_or_404(contact_list_visible_to(user=request.user), pk=contact_id) if contact_id else None
        deal = services.opportunity_create(actor=request.user, account=account, contact=contact, **fields)
        return Response(OpportunityOutput(self._deal(deal.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=OpportunityUpdateInput, responses={200: OpportunityOutput})
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        deal = self._deal(pk)
        data = OpportunityUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if "contact" in fields:
            contact_id = fields.pop("contact")
            fields["contact"] = (
                get_object_or_404(contact_list_visible_to(user=request.user), pk=contact_id) if contact_id else None
            )
        services.opportunity_update(actor=request.user, opportunity=deal, **fields)
        return self._answer(pk)

    @extend_schema(request=MoveInput, responses={200: OpportunityOutput})
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: Any = None) -> Response:
        deal = self._deal(pk)
        data = MoveInput(data=request.data)
        data.is_valid(raise_exception=True)
        notes = {int(k): v for k, v in data.validated_data.get("notes", {}).items() if str(k).isdigit()}
        services.opportunity_move(
            actor=request.user,
            opportunity=deal,
            stage=data.validated_data["stage"],
            version=data.validated_data["version"],
            notes=notes,
        )
        return self._answer(pk)

    @extend_schema(request=VersionInput, responses={200: OpportunityOutput})
    @action(detail=True, methods=["post"])
    def win(self, request: Request, pk: Any = None) -> Response:
        deal = self._deal(pk)
        data = VersionInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.opportunity_win(actor=request.user, opportunity=deal, version=data.validated_data["version"])
        return self._answer(pk)

    @extend_schema(request=LoseInput, responses={200: OpportunityOutput})
    @action(detail=True, methods=["post"])
    def lose(self, request: Request, pk: Any = None) -> Response:
        deal = self._deal(pk)
        data = LoseInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.opportunity_lose(
            actor=request.user,
            opportunity=deal,
            version=data.validated_data["version"],
            reason=data.validated_data["lost_reason"],
            competitor=data.validated_data["competitor"],
        )
        return self._answer(pk)

    @extend_schema(request=TeamInput, responses={200: OpportunityOutput})
    @action(detail=True, methods=["post"])
    def team(self, request: Request, pk: Any = None) -> Response:
        deal = self._deal(pk)
        data = TeamInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.opportunity_set_team(actor=request.user, opportunity=deal, **data.validated_data)
        return self._answer(pk)


class ProductOutput(serializers.ModelSerializer):
    list_price = serializers.DecimalField(max_digits=18, decimal_places=2, coerce_to_string=True, read_only=True)
    tax_rate = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=True, read_only=True)

    class Meta:
        model = Product
        fields = ["id", "code", "name", "unit", "list_price", "currency", "tax_rate", "active"]
        read_only_fields = fields


class ProductViewSet(viewsets.ReadOnlyModelViewSet):
    """The product catalogue (administrators maintain it in the admin pages); every signed-in person reads it."""

    serializer_class = ProductOutput
    queryset = Product.objects.filter(active=True).order_by("code")
    lookup_value_regex = r"[0-9]+"


class QuoteLineIO(serializers.Serializer):
    product = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.filter(active=True), required=False, allow_null=True
    )
    description = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    quantity = serializers.CharField(help_text='A decimal number as text, e.g. "2.5"')
    unit_price = serializers.CharField(required=False, allow_blank=True, default="", help_text="Default: list price")
    discount_percent = serializers.CharField(required=False, allow_blank=True, default="")
    tax_rate = serializers.CharField(required=False, allow_blank=True, default="", help_text="Default: the product's")


class QuoteLineOutput(serializers.ModelSerializer):
    class Meta:
        model = QuoteLine
        fields = [
            "position", "product", "description", "unit", "quantity", "unit_price", "discount_percent", "tax_rate",
            "gross", "discount", "net", "tax", "total",
        ]  # fmt: skip
        read_only_fields = fields


class QuoteOutput(serializers.ModelSerializer):
    lines = QuoteLineOutput(many=True, read_only=True)
    needs_approval = serializers.SerializerMethodField()

    class Meta:
        model = Quote
        fields = [
            "id", "opportunity", "version", "status", "currency", "valid_until", "note", "gross", "discount", "net",
            "tax", "total", "max_discount_percent", "approval", "approval_by", "approval_note", "needs_approval",
            "sent_at", "decided_at", "created_at", "lines",
        ]  # fmt: skip
        read_only_fields = fields

    def get_needs_approval(self, quote: Quote) -> bool:
        return services.needs_approval(quote)


class QuoteCreateInput(serializers.Serializer):
    opportunity = serializers.IntegerField()
    valid_until = serializers.DateField(required=False, allow_null=True)


class LinesInput(serializers.Serializer):
    lines = QuoteLineIO(many=True)


class NoteInput(serializers.Serializer):
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class QuoteViewSet(viewsets.GenericViewSet):
    """Quotes of the deals the caller may see. A new version starts from the latest one's lines; only a draft
    changes (``PUT lines``); ``send``, ``accept``, ``reject``, ``request-approval``, ``approve-discount`` and
    ``refuse-discount`` are POST actions. Amounts are strings, exact to the fen."""

    serializer_class = QuoteOutput
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[Quote]:
        deals = opportunity_list_visible_to(user=self.request.user)
        qs = Quote.objects.filter(opportunity__in=deals).prefetch_related("lines").order_by("-created_at", "-pk")
        deal = self.request.query_params.get("opportunity", "")
        return qs.filter(opportunity_id=int(deal)) if deal.isdigit() else qs

    def _quote(self, pk: Any) -> Quote:
        return quote_get_for_user(user=self.request.user, pk=int(pk))

    def _answer(self, pk: Any, code: int = status.HTTP_200_OK) -> Response:
        return Response(QuoteOutput(self._quote(pk)).data, status=code)

    @extend_schema(parameters=[OpenApiParameter("opportunity", int, description="Only this deal's quotes")])
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(QuoteOutput(page, many=True).data)

    def retrieve(self, request: Request, pk: Any = None) -> Response:
        return self._answer(pk)

    @extend_schema(request=QuoteCreateInput, responses={201: QuoteOutput})
    def create(self, request: Request) -> Response:
        data = QuoteCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        deal = opportunity_get_for_user(user=request.user, pk=data.validated_data["opportunity"])
        quote = services.quote_create(
            actor=request.user, opportunity=deal, valid_until=data.validated_data.get("valid_until")
        )
        return self._answer(quote.pk, status.HTTP_201_CREATED)

    @extend_schema(request=LinesInput, responses={200: QuoteOutput})
    @action(detail=True, methods=["put"])
    def lines(self, request: Request, pk: Any = None) -> Response:
        quote = self._quote(pk)
        data = LinesInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.quote_set_lines(
            actor=request.user, quote=quote, lines=[dict(line) for line in data.validated_data["lines"]]
        )
        return self._answer(pk)

    def _simple(self, pk: Any, do: Any) -> Response:
        do(actor=self.request.user, quote=self._quote(pk))
        return self._answer(pk)

    @extend_schema(request=None, responses={200: QuoteOutput})
    @action(detail=True, methods=["post"])
    def send(self, request: Request, pk: Any = None) -> Response:
        return self._simple(pk, services.quote_send)

    @extend_schema(request=None, responses={200: QuoteOutput})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: Any = None) -> Response:
        return self._simple(pk, services.quote_accept)

    @extend_schema(request=NoteInput, responses={200: QuoteOutput})
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: Any = None) -> Response:
        data = NoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.quote_reject(actor=request.user, quote=self._quote(pk), note=data.validated_data["note"])
        return self._answer(pk)

    @extend_schema(request=None, responses={200: QuoteOutput})
    @action(detail=True, methods=["post"], url_path="request-approval")
    def request_approval(self, request: Request, pk: Any = None) -> Response:
        return self._simple(pk, services.quote_request_approval)

    def _decide(self, pk: Any, approve: bool) -> Response:
        data = NoteInput(data=self.request.data)
        data.is_valid(raise_exception=True)
        services.quote_decide_discount(
            actor=self.request.user, quote=self._quote(pk), approve=approve, note=data.validated_data["note"]
        )
        return self._answer(pk)

    @extend_schema(request=NoteInput, responses={200: QuoteOutput})
    @action(detail=True, methods=["post"], url_path="approve-discount")
    def approve_discount(self, request: Request, pk: Any = None) -> Response:
        return self._decide(pk, True)

    @extend_schema(request=NoteInput, responses={200: QuoteOutput})
    @action(detail=True, methods=["post"], url_path="refuse-discount")
    def refuse_discount(self, request: Request, pk: Any = None) -> Response:
        return self._decide(pk, False)


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
