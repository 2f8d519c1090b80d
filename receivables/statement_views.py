"""Bank statements, for finance: the statements uploaded through the importer and not closed yet, and one
statement's lines, each with the invoice it seems to pay. Finance confirms a line as proposed, or corrects it by
typing other invoice numbers; confirmed lines become payments (``services.statement_confirm``). Closing the
statement leaves the unconfirmed lines out. A refusal becomes a message and changes nothing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ltc.errors import DomainError
from ltc.models import ImportBatch
from receivables import services
from receivables.importers import STATEMENT_KIND, finance_or_admin, split_numbers, statement_lines

STATEMENTS_SHOWN = 100


def _open_statement(request: HttpRequest, pk: int) -> ImportBatch:
    """Any open statement, for any finance person (the money is the company's, not the uploader's); 404 otherwise."""
    if not finance_or_admin(request.user):
        raise Http404
    return get_object_or_404(ImportBatch, pk=pk, kind=STATEMENT_KIND, state=ImportBatch.State.UPLOADED)


@login_required
def statement_list(request: HttpRequest) -> HttpResponse:
    if not finance_or_admin(request.user):
        raise PermissionDenied
    batches = ImportBatch.objects.filter(kind=STATEMENT_KIND, state=ImportBatch.State.UPLOADED)
    statements = [
        {"batch": batch, "confirmed": len((batch.result or {}).get("confirmed", {}))}
        for batch in batches.select_related("created_by").defer("data").order_by("-created_at")[:STATEMENTS_SHOWN]
    ]
    return render(request, "receivables/statements/list.html", {"statements": statements, "kind": STATEMENT_KIND})


@login_required
def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _open_statement(request, pk)
    if not batch.mapping:
        messages.info(request, _("Map the statement's columns first."))
        return redirect("imports:mapping", pk=batch.pk)
    lines, errors = statement_lines(batch)
    context: dict[str, Any] = {
        "batch": batch,
        "lines": lines,
        "errors": errors,
        "open_lines": sum(1 for line in lines if line.payment_id is None),
        "proposed": sum(1 for line in lines if line.payment_id is None and line.proposal.invoices),
    }
    return render(request, "receivables/statements/detail.html", context)


@login_required
@require_POST
def statement_action(request: HttpRequest, pk: int) -> HttpResponse:
    """``confirm``: the ticked lines, each with the invoice numbers in its field; ``close``: the rest left out."""
    batch = _open_statement(request, pk)
    try:
        if request.POST.get("action") == "close":
            services.statement_close(actor=request.user, batch=batch)
            messages.success(request, _("The statement is closed; the lines not confirmed were left out."))
            return redirect("receivables:statement_list")
        rows = sorted({int(n) for n in request.POST.getlist("confirm") if n.isdigit()})
        if not rows:
            messages.error(request, _("Tick the lines to confirm."))
            return redirect("receivables:statement_detail", pk=batch.pk)
        choices = {row: split_numbers(request.POST.get(f"invoices-{row}", "")) for row in rows}
        made = services.statement_confirm(actor=request.user, batch=batch, choices=choices)
        messages.success(request, _("%(n)d lines confirmed and recorded as payments.") % {"n": len(made)})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("receivables:statement_detail", pk=batch.pk)
