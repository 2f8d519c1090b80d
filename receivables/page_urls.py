"""Invoice and payment pages: the invoice list and page, the installments waiting to be invoiced, the payment
list, payment entry with its allocation screen, and the printable customer statement."""

from django.urls import URLPattern, path

from receivables import views

urlpatterns: list[URLPattern] = [
    path("", views.invoice_list, name="invoice_list"),
    path("invoices/new/", views.invoice_create, name="invoice_create"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/<slug:action>/", views.invoice_action, name="invoice_action"),
    path("to-invoice/", views.invoiceable_list, name="invoiceable"),
    path("to-invoice/<int:installment_pk>/draft/", views.invoice_draft, name="invoice_draft"),
    path("payments/", views.payment_list, name="payment_list"),
    path("payments/new/", views.payment_create, name="payment_create"),
    path("payments/<int:pk>/", views.payment_detail, name="payment_detail"),
    path("payments/<int:pk>/<slug:action>/", views.payment_action, name="payment_action"),
    path("customers/<int:pk>/statement/", views.customer_statement, name="customer_statement"),
]
