"""Forms of the invoice and payment pages: the list filters (URL parameters, so a filtered list is shared by its
address) and the inputs of the actions. Amounts stay text here: the services parse them and say what is wrong,
so that a page and the API refuse the same input with the same message."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.models import Kind
from customers.models import Account
from ltc.money import CURRENCY_CHOICES
from ltc.widgets import SELECT, SMALL, DateInput
from receivables.models import Invoice, InvoiceStatus, Method, Payment

OPEN = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID)
# the customer picker lists at most this many customers; a search narrows it
CUSTOMERS_SHOWN = 200


def _customers(invoices: QuerySet[Invoice]) -> list[tuple[Any, Any]]:
    """The customers of the invoices the reader sees, by name: the choices of a customer filter."""
    accounts = Account.objects.filter(pk__in=invoices.order_by().values("account_id")).order_by("name", "pk")
    return [("", _("All customers")), *accounts.values_list("pk", "name")[:CUSTOMERS_SHOWN]]


class InvoiceFilter(forms.Form):
    """The invoice list's filters: a status, overdue only, a customer, and a search in the invoice number, the
    customer's name and the contract's number."""

    q = forms.CharField(
        label=_("Search"), required=False, max_length=100,
        widget=forms.TextInput(attrs={**SMALL, "type": "search", "placeholder": _("Number, customer or contract")}),
    )  # fmt: skip
    status = forms.ChoiceField(label=_("Status"), required=False, widget=forms.Select(attrs=SELECT))
    account = forms.TypedChoiceField(
        label=_("Customer"), required=False, coerce=int, empty_value=None, widget=forms.Select(attrs=SELECT)
    )
    overdue = forms.BooleanField(
        label=_("Overdue only"), required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )

    def __init__(self, data: Any, *, invoices: QuerySet[Invoice]) -> None:
        super().__init__(data)
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        status.choices = [("", _("All statuses")), *InvoiceStatus.choices]
        account = self.fields["account"]
        assert isinstance(account, forms.ChoiceField)
        account.choices = _customers(invoices)

    def apply(self, invoices: QuerySet[Invoice], today: date) -> QuerySet[Invoice]:
        """The invoices narrowed by the valid filters; a filter that is not valid is left out."""
        self.is_valid()
        given = {k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors}
        if given.get("status"):
            invoices = invoices.filter(status=given["status"])
        if given.get("account"):
            invoices = invoices.filter(account_id=given["account"])
        if given.get("overdue"):
            invoices = invoices.filter(kind=Invoice.Kind.INVOICE, status__in=OPEN, due_on__lt=today)
        text = (given.get("q") or "").strip()
        if text:
            invoices = invoices.filter(
                Q(number__icontains=text) | Q(account__name__icontains=text) | Q(contract__number__icontains=text)
            )
        return invoices


class PaymentFilter(forms.Form):
    q = forms.CharField(
        label=_("Search"), required=False, max_length=100,
        widget=forms.TextInput(attrs={**SMALL, "type": "search", "placeholder": _("Payer, reference or customer")}),
    )  # fmt: skip
    account = forms.TypedChoiceField(
        label=_("Customer"), required=False, coerce=int, empty_value=None, widget=forms.Select(attrs=SELECT)
    )
    credit = forms.BooleanField(
        label=_("With money left to allocate"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, data: Any, *, payments: QuerySet[Payment]) -> None:
        super().__init__(data)
        account = self.fields["account"]
        assert isinstance(account, forms.ChoiceField)
        accounts = Account.objects.filter(pk__in=payments.order_by().values("account_id")).order_by("name", "pk")
        account.choices = [("", _("All customers")), *accounts.values_list("pk", "name")[:CUSTOMERS_SHOWN]]

    def apply(self, payments: QuerySet[Payment]) -> QuerySet[Payment]:
        self.is_valid()
        given = {k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors}
        if given.get("account"):
            payments = payments.filter(account_id=given["account"])
        if given.get("credit"):
            from django.db.models import F

            payments = payments.filter(reversal_of__isnull=True, reversal__isnull=True, amount__gt=F("allocated"))
        text = (given.get("q") or "").strip()
        if text:
            payments = payments.filter(
                Q(payer__icontains=text) | Q(reference__icontains=text) | Q(account__name__icontains=text)
            )
        return payments


class PaymentForm(forms.Form):
    """Money received: who paid, when, how much, in what currency, how, and the bank's reference."""

    payer = forms.CharField(label=_("Payer"), max_length=200, widget=forms.TextInput(attrs=SMALL))
    received_on = forms.DateField(label=_("Received on"), widget=DateInput())
    amount = forms.CharField(
        label=_("Amount"), max_length=30, widget=forms.TextInput(attrs={**SMALL, "inputmode": "decimal"})
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES, widget=forms.Select(attrs=SELECT))
    method = forms.ChoiceField(
        label=_("Method"), choices=Method.choices, initial=Method.TRANSFER, widget=forms.Select(attrs=SELECT)
    )
    reference = forms.CharField(label=_("Reference"), max_length=200, required=False, widget=forms.TextInput(SMALL))
    note = forms.CharField(label=_("Note"), max_length=300, required=False, widget=forms.TextInput(SMALL))

    def __init__(self, *args: Any, account: Account | None = None, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "payer": account.name if account else "",
                "received_on": timezone.localdate(),
                "currency": settings.DEFAULT_CURRENCY,
            },
        )
        super().__init__(*args, **kwargs)


class IssueForm(forms.Form):
    issued_on = forms.DateField(label=_("Issued on"), required=False, widget=DateInput())
    due_on = forms.DateField(label=_("Due on"), required=False, widget=DateInput())


# The kinds of a collection activity: a touch with the customer, or a note of what was agreed.
COLLECTION_KINDS = (Kind.CALL, Kind.VISIT, Kind.EMAIL, Kind.MEETING, Kind.NOTE)


class CollectionActivityForm(forms.Form):
    """A collection activity done (a call, a visit…), and, if the customer promised to pay, the promised date
    (and amount): the promise becomes a planned follow-up due on that date."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[(k.value, k.label) for k in COLLECTION_KINDS],
        initial=Kind.CALL,
        widget=forms.Select(attrs=SELECT),
    )
    subject = forms.CharField(
        label=_("Subject"), max_length=200, widget=forms.TextInput(attrs={**SMALL, "placeholder": _("What was done")})
    )
    outcome = forms.CharField(
        label=_("Outcome"),
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={**SMALL, "placeholder": _("Outcome")}),
    )
    promised_on = forms.DateField(label=_("Promised to pay on"), required=False, widget=DateInput())
    promised_amount = forms.CharField(
        label=_("Promised amount"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={**SMALL, "inputmode": "decimal"}),
    )

    def clean_promised_on(self) -> date | None:
        day = self.cleaned_data.get("promised_on")
        if day is not None and day < timezone.localdate():
            raise forms.ValidationError(_("A promise to pay is for today or later."))
        return day

    def clean_promised_amount(self) -> str:
        from ltc.money import to_decimal

        text = (self.cleaned_data.get("promised_amount") or "").strip()
        if text:
            try:
                if to_decimal(text) <= 0:
                    raise ValueError(text)
            except (TypeError, ValueError):
                raise forms.ValidationError(_("Enter an amount such as 1234.56.")) from None
        return text


class StatementForm(forms.Form):
    """The customer statement's period: from ``start`` to ``as_of`` (both included), in one currency."""

    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    as_of = forms.DateField(label=_("As of"), required=False, widget=DateInput())
    currency = forms.ChoiceField(
        label=_("Currency"), choices=CURRENCY_CHOICES, required=False, widget=forms.Select(attrs=SELECT)
    )
