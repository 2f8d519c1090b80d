"""Receivables pages: aging as of a day, DSO with its formula, the overdue list by owner, expected cash. Every
figure comes from ``receivables.reports`` (the API reads the same functions); every filter is a URL parameter,
so a view is shared by sharing its address. A filter that is not valid is said and left out, never guessed."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Account
from ltc.money import CURRENCIES
from ltc.widgets import DateInput, small_select
from org.models import User
from org.selectors import team_list
from receivables import reports
from receivables.models import Invoice
from receivables.selectors import invoice_list_visible_to

HUNDRED = Decimal(100)


class ReportFilter(forms.Form):
    """The URL parameters of the receivables pages; each page uses the fields it names."""

    as_of = forms.DateField(label=_("As of"), required=False, widget=DateInput())
    start = forms.DateField(label=_("Period from"), required=False, widget=DateInput())
    end = forms.DateField(label=_("Period to"), required=False, widget=DateInput())
    team = forms.TypedChoiceField(label=_("Team"), required=False, coerce=int, empty_value=None, widget=small_select())
    owner = forms.TypedChoiceField(
        label=_("Owner"), required=False, coerce=int, empty_value=None, widget=small_select()
    )
    account = forms.TypedChoiceField(
        label=_("Customer"), required=False, coerce=int, empty_value=None, widget=small_select()
    )
    currency = forms.ChoiceField(label=_("Currency"), required=False, widget=small_select())

    def __init__(self, data: Any, *, user: Any, fields: tuple[str, ...]) -> None:
        super().__init__(data)
        for name in [n for n in self.fields if n not in fields]:
            del self.fields[name]
        # the choices are what the reader sees: their invoices' owners and customers, in their currencies
        invoices = invoice_list_visible_to(user=user).filter(kind=Invoice.Kind.INVOICE).order_by()
        everyone: list[tuple[Any, Any]] = [("", _("All"))]
        if "team" in self.fields:
            self._choice("team").choices = everyone + [(t.pk, str(t)) for t in team_list()]
        if "owner" in self.fields:
            owners = User.objects.filter(pk__in=invoices.values("owner_id"))
            self._choice("owner").choices = everyone + sorted(((u.pk, str(u)) for u in owners), key=lambda c: c[1])
        if "account" in self.fields:
            accounts = Account.objects.filter(pk__in=invoices.values("account_id")).order_by("name", "pk")
            self._choice("account").choices = everyone + list(accounts.values_list("pk", "name"))
        if "currency" in self.fields:
            used = set(invoices.values_list("currency", flat=True).distinct()) | {settings.DEFAULT_CURRENCY}
            self._choice("currency").choices = [(c, c) for c in CURRENCIES if c in used]
            if len(used) == 1:
                self.fields["currency"].widget = forms.HiddenInput()

    def _choice(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return field

    def value(self, name: str, default: Any = None) -> Any:
        """The cleaned value of a parameter, or ``default`` when it is absent or not valid."""
        if not self.is_bound or name not in self.fields:
            return default
        self.is_valid()
        cleaned = self.cleaned_data.get(name) if name not in self.errors else None
        return default if cleaned in (None, "") else cleaned


def _form(request: HttpRequest, *fields: str, **defaults: date) -> ReportFilter:
    """The page's filters from its URL; a date not given shows the one used (today, the default period)."""
    data = request.GET.copy()
    for name, day in defaults.items():
        if not data.get(name):
            data[name] = day.isoformat()
    return ReportFilter(data, user=request.user, fields=fields)


def _share(amount: Decimal, total: Decimal) -> Decimal | None:
    if not total:
        return None
    return (amount * HUNDRED / total).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@login_required
def aging_page(request: HttpRequest) -> HttpResponse:
    """The open balance by days past due as of ``?as_of=`` (today unless given), for everything the reader sees
    or ``?team=``, ``?owner=``, ``?account=``."""
    today = timezone.localdate()
    form = _form(request, "as_of", "team", "owner", "account", "currency", as_of=today)
    report = reports.aging(
        request.user,
        form.value("as_of", today),
        form.value("team"),
        form.value("owner"),
        form.value("account"),
        currency=form.value("currency", settings.DEFAULT_CURRENCY),
    )
    rows = [(bucket, _share(bucket.amount, report.amount)) for bucket in report.buckets]
    return render(
        request,
        "receivables/reports/aging.html",
        {"form": form, "report": report, "rows": rows, "today": today, "section": "aging"},
    )


@login_required
def dso_page(request: HttpRequest) -> HttpResponse:
    """DSO over ``?start=``..``?end=`` (the last 90 days unless given), its formula written out, for the
    company (what the reader sees), each team and each rep."""
    default_start, default_end = reports.default_dso_period(timezone.localdate())
    form = _form(request, "start", "end", "team", "owner", "account", "currency", start=default_start, end=default_end)
    report = reports.dso(
        request.user,
        form.value("start", default_start),
        form.value("end", default_end),
        form.value("team"),
        form.value("owner"),
        form.value("account"),
        currency=form.value("currency", settings.DEFAULT_CURRENCY),
    )
    return render(request, "receivables/reports/dso.html", {"form": form, "report": report, "section": "dso"})


@login_required
def overdue_page(request: HttpRequest) -> HttpResponse:
    """The invoices past due as of ``?as_of=`` (today unless given), by owner, with the last collection
    activity of each."""
    today = timezone.localdate()
    form = _form(request, "as_of", "currency", as_of=today)
    report = reports.overdue(
        request.user,
        form.value("as_of", today),
        currency=form.value("currency", settings.DEFAULT_CURRENCY),
    )
    return render(request, "receivables/reports/overdue.html", {"form": form, "report": report, "section": "overdue"})


@login_required
def expected_cash_page(request: HttpRequest) -> HttpResponse:
    """The cash expected in the next 30, 60 and 90 days, from open invoices and the payment plans."""
    form = _form(request, "currency")
    today: date = timezone.localdate()
    report = reports.expected_cash(request.user, today, currency=form.value("currency", settings.DEFAULT_CURRENCY))
    return render(
        request,
        "receivables/reports/expected_cash.html",
        {"form": form, "report": report, "section": "expected_cash"},
    )
