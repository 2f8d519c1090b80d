"""The receivables views over the API, under /api/v1/receivables/: the same figures as the pages, from the same
functions (``receivables.reports``), amounts as strings. Parameters are those of the pages' URLs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import URLPattern, path
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ltc.money import CURRENCY_CHOICES
from receivables import reports


def _money(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=18, decimal_places=2, coerce_to_string=True, **kwargs)


# --- inputs -----------------------------------------------------------------------------------------------------


class CurrencyQuery(serializers.Serializer):
    currency = serializers.ChoiceField(
        choices=CURRENCY_CHOICES, required=False, help_text="The figures' currency (default: the default currency)."
    )


class ScopeQuery(CurrencyQuery):
    team = serializers.IntegerField(required=False, min_value=1, help_text="A team's id; its sub-teams included.")
    owner = serializers.IntegerField(required=False, min_value=1, help_text="An owner's (rep's) user id.")
    account = serializers.IntegerField(required=False, min_value=1, help_text="A customer's id.")


class AgingQuery(ScopeQuery):
    as_of = serializers.DateField(required=False, help_text="The day (default: today).")


class DsoQuery(ScopeQuery):
    start = serializers.DateField(required=False, help_text="The period's first day (default: 89 days before end).")
    end = serializers.DateField(required=False, help_text="The period's last day (default: today).")


class OverdueQuery(CurrencyQuery):
    as_of = serializers.DateField(required=False, help_text="The day (default: today).")


def _query(serializer: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    data = serializer(data=request.query_params)
    data.is_valid(raise_exception=True)
    values = dict(data.validated_data)
    values.setdefault("currency", settings.DEFAULT_CURRENCY)
    return values


# --- outputs ----------------------------------------------------------------------------------------------------


class BucketOutput(serializers.Serializer):
    key = serializers.CharField()
    label: Any = serializers.CharField()
    count = serializers.IntegerField()
    amount = _money()


class AgingOutput(serializers.Serializer):
    as_of = serializers.DateField()
    currency = serializers.CharField()
    count = serializers.IntegerField()
    amount = _money()
    buckets = BucketOutput(many=True)


class DsoRowOutput(serializers.Serializer):
    level = serializers.ChoiceField(choices=["company", "team", "rep"])
    key = serializers.IntegerField(allow_null=True, help_text="The team's or the rep's id.")
    label: Any = serializers.CharField()
    receivables = _money()
    credit_sales = _money()
    dso = serializers.DecimalField(
        max_digits=12, decimal_places=1, coerce_to_string=True, allow_null=True,
        help_text="Days, to a tenth; null without credit sales in the period.",
    )  # fmt: skip


class DsoOutput(serializers.Serializer):
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    days = serializers.IntegerField()
    currency = serializers.CharField()
    formula = serializers.CharField()
    company = DsoRowOutput()
    teams = DsoRowOutput(many=True)
    reps = DsoRowOutput(many=True)


class LastActivityOutput(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    subject = serializers.CharField()
    done_at = serializers.DateTimeField()
    by = serializers.CharField()


class OverdueInvoiceOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    account_id = serializers.IntegerField()
    account = serializers.CharField()
    contract_id = serializers.IntegerField(allow_null=True)
    issued_on = serializers.DateField()
    due_on = serializers.DateField()
    days_overdue = serializers.IntegerField()
    total = _money()
    open = _money()
    last_activity = LastActivityOutput(allow_null=True)


class OwnerOverdueOutput(serializers.Serializer):
    owner_id = serializers.IntegerField()
    owner = serializers.CharField()
    count = serializers.IntegerField()
    amount = _money()
    invoices = OverdueInvoiceOutput(many=True)


class OverdueOutput(serializers.Serializer):
    as_of = serializers.DateField()
    currency = serializers.CharField()
    count = serializers.IntegerField()
    amount = _money()
    owners = OwnerOverdueOutput(many=True)


class WindowOutput(serializers.Serializer):
    key = serializers.CharField()
    label: Any = serializers.CharField()
    invoices = _money(help_text="The open balance of invoices falling due in the window.")
    installments = _money(help_text="The parts of signed contracts' installments not invoiced yet.")
    invoice_count = serializers.IntegerField()
    installment_count = serializers.IntegerField()
    amount = _money()


class HorizonOutput(serializers.Serializer):
    days = serializers.IntegerField()
    until = serializers.DateField()
    amount = _money(help_text="What falls due from today through ``until``.")


class ExpectedCashOutput(serializers.Serializer):
    today = serializers.DateField()
    currency = serializers.CharField()
    windows = WindowOutput(many=True)
    horizons = HorizonOutput(many=True)


# --- views ------------------------------------------------------------------------------------------------------


class AgingApi(APIView):
    """Open balances as of a day by days past due (current, 1–30, 31–60, 61–90, over 90), with counts, for what
    the caller sees, narrowed by team, owner or customer."""

    @extend_schema(parameters=[AgingQuery], responses=AgingOutput, operation_id="receivables_aging")
    def get(self, request: Request) -> Response:
        q = _query(AgingQuery, request)
        report = reports.aging(
            request.user, q.get("as_of") or timezone.localdate(), q.get("team"), q.get("owner"), q.get("account"),
            currency=q["currency"],
        )  # fmt: skip
        return Response(AgingOutput(report).data)


class DsoApi(APIView):
    """Days sales outstanding over a period: receivables at period end ÷ credit sales in the period × days in the
    period, for what the caller sees, per team and per rep."""

    @extend_schema(parameters=[DsoQuery], responses=DsoOutput, operation_id="receivables_dso")
    def get(self, request: Request) -> Response:
        q = _query(DsoQuery, request)
        default_start, default_end = reports.default_dso_period(timezone.localdate())
        report = reports.dso(
            request.user, q.get("start") or default_start, q.get("end") or default_end, q.get("team"),
            q.get("owner"), q.get("account"), currency=q["currency"],
        )  # fmt: skip
        return Response(DsoOutput(report).data)


class OverdueApi(APIView):
    """Invoices past due with a balance as of a day, by owner, with days overdue and the last collection
    activity."""

    @extend_schema(parameters=[OverdueQuery], responses=OverdueOutput, operation_id="receivables_overdue")
    def get(self, request: Request) -> Response:
        q = _query(OverdueQuery, request)
        report = reports.overdue(request.user, q.get("as_of") or timezone.localdate(), currency=q["currency"])
        return Response(OverdueOutput(report).data)


class ExpectedCashApi(APIView):
    """Cash expected from today by due date: open invoices and the not yet invoiced parts of signed contracts'
    installments; overdue apart; the next 30, 60 and 90 days added up."""

    @extend_schema(parameters=[CurrencyQuery], responses=ExpectedCashOutput, operation_id="receivables_expected_cash")
    def get(self, request: Request) -> Response:
        q = _query(CurrencyQuery, request)
        report = reports.expected_cash(request.user, timezone.localdate(), currency=q["currency"])
        return Response(ExpectedCashOutput(report).data)


urlpatterns: list[URLPattern] = [
    path("aging/", AgingApi.as_view(), name="receivables-aging"),
    path("dso/", DsoApi.as_view(), name="receivables-dso"),
    path("overdue/", OverdueApi.as_view(), name="receivables-overdue"),
    path("expected-cash/", ExpectedCashApi.as_view(), name="receivables-expected-cash"),
]
