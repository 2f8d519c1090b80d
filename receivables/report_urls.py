"""Receivables views: aging, DSO, the overdue list, expected cash."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
