"""Receivables views: aging, DSO, the overdue list, expected cash."""

from django.urls import URLPattern, path

from receivables import report_views

urlpatterns: list[URLPattern] = [
    path("aging/", report_views.aging_page, name="aging"),
    path("dso/", report_views.dso_page, name="dso"),
    path("overdue/", report_views.overdue_page, name="overdue"),
    path("expected-cash/", report_views.expected_cash_page, name="expected_cash"),
]
