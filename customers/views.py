from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from customers.selectors import (
    account_get_for_user,
    account_list_visible_to,
    contact_list_visible_to,
)
from ltc.audit import record_history

PAGE_SIZE = 25


@login_required
def account_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    page = Paginator(account_list_visible_to(user=request.user, search=search), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "customers/account_list.html", {"page": page, "search": search})


@login_required
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_get_for_user(user=request.user, pk=pk)
    return render(
        request,
        "customers/account_detail.html",
        {
            "account": account,
            "contacts": contact_list_visible_to(user=request.user, account=account),
            "history": record_history(account),
        },
    )
