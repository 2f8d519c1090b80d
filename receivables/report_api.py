"""The receivables views over the API, under /api/v1/receivables/."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
