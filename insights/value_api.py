"""Receivables and customer value over the API (/api/v1/insights/receivables/ and /customers/): the same figures
as the pages and exports, the same filters; a parameter that is not valid answers 400 naming it."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from insights.api_filters import PARAMETERS, request_scope
from insights.customers import customer_value, customers_data, receivables_data, receivables_summary


class ReceivablesApi(APIView):
    """Aging and DSO, overdue by owner and collections month by month, for what the caller sees."""

    @extend_schema(parameters=PARAMETERS, responses=OpenApiTypes.OBJECT, operation_id="insights_receivables")
    def get(self, request: Request) -> Response:
        return Response(receivables_data(receivables_summary(request_scope(request))))


class CustomersApi(APIView):
    """Customer lifetime value (cash per account, the top accounts month by month) and new vs repeat customers."""

    @extend_schema(parameters=PARAMETERS, responses=OpenApiTypes.OBJECT, operation_id="insights_customers")
    def get(self, request: Request) -> Response:
        return Response(customers_data(customer_value(request_scope(request))))
