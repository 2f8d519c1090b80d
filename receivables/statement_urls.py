"""The bank statement pages (finance confirms each line's match). Included in ``receivables.urls``, so their names
are ``receivables:statement_list`` and ``receivables:statement_detail``."""

from django.urls import URLPattern, path

from receivables import statement_views

urlpatterns: list[URLPattern] = [
    path("statements/", statement_views.statement_list, name="statement_list"),
    path("statements/<int:pk>/", statement_views.statement_detail, name="statement_detail"),
    path("statements/<int:pk>/confirm/", statement_views.statement_action, name="statement_action"),
]
