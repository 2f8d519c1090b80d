"""The import pages, for every kind the importer knows (leads, accounts, contacts…): upload a CSV or Excel
file, map its columns (remembered per file layout), preview every row checked, then import all or none."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ltc import importer, imports
from ltc.errors import DomainError

PREVIEW_ROWS = 10
ERRORS_SHOWN = 200  # the report lists them all
DUPLICATES_SHOWN = 200


def _list_url(spec: importer.ImportSpec) -> str:
    try:
        return reverse(spec.list_url_name) if spec.list_url_name else reverse("home")
    except NoReverseMatch:
        return reverse("home")


@login_required
def upload(request: HttpRequest, kind: str) -> HttpResponse:
    try:
        spec = importer.spec_for(kind)
    except DomainError:
        raise Http404(kind) from None
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = _("Choose a file.")
        elif upload.size and upload.size > importer.MAX_FILE_BYTES:
            error = _("The file is larger than %(mb)d MB; split it into smaller files.") % {
                "mb": importer.MAX_FILE_BYTES // 2**20
            }
        else:
            try:
                batch = imports.batch_upload(
                    actor=request.user, kind=kind, filename=upload.name or "upload", data=upload.read()
                )
            except DomainError as exc:
                error = exc.message
            else:
                return redirect("imports:mapping", pk=batch.pk)
    return render(
        request,
        "imports/upload.html",
        {
            "spec": spec,
            "error": error,
            "max_mb": importer.MAX_FILE_BYTES // 2**20,
            "max_rows": importer.MAX_ROWS,
            "list_url": _list_url(spec),
        },
    )


@login_required
def mapping(request: HttpRequest, pk: int) -> HttpResponse:
    batch = imports.batch_get_for_user(user=request.user, pk=pk)
    if batch.state == batch.State.COMMITTED:
        return redirect("imports:preview", pk=batch.pk)
    spec = importer.spec_for(batch.kind)
    chosen, remembered = imports.batch_mapping(batch)
    problems: list[str] = []
    if request.method == "POST":
        chosen = {c.field: request.POST[f"map-{c.field}"] for c in spec.columns if request.POST.get(f"map-{c.field}")}
        try:
            imports.batch_set_mapping(batch=batch, mapping=chosen)
        except DomainError as exc:
            problems = [str(p) for p in (exc.fields or {}).get("mapping", [exc.message])]
        else:
            return redirect("imports:preview", pk=batch.pk)
    table = imports.batch_table(batch)
    samples = {h: [row[i] for row in table.rows[:3] if row[i]] for i, h in enumerate(table.headers)}
    rows = []
    for column in spec.columns:
        header = imports.column_of(chosen.get(column.field, ""))
        rows.append({"column": column, "chosen": header, "sample": " · ".join(samples.get(header, []))})
    return render(
        request,
        "imports/mapping.html",
        {"batch": batch, "spec": spec, "rows": rows, "remembered": remembered, "problems": problems},
    )


@login_required
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    batch = imports.batch_get_for_user(user=request.user, pk=pk)
    spec = importer.spec_for(batch.kind)
    context: dict[str, Any] = {"batch": batch, "spec": spec, "list_url": _list_url(spec)}
    if batch.state == batch.State.COMMITTED:
        return render(request, "imports/done.html", context)
    if not batch.mapping:
        return redirect("imports:mapping", pk=batch.pk)
    try:
        checked = imports.batch_preview(batch)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("imports:mapping", pk=batch.pk)
    columns = [c for c in spec.columns if c.field in batch.mapping]
    bad_rows = len({e.row for e in checked.errors})
    context.update(
        {
            "preview": checked,
            "bad_rows": bad_rows,
            "valid_rows": len(checked.rows) - bad_rows,
            "errors": checked.errors[:ERRORS_SHOWN],
            "duplicates": checked.duplicates[:DUPLICATES_SHOWN],
            "columns": columns,
            "sample": [[c.show(row.get(c.field)) for c in columns] for row in checked.rows[:PREVIEW_ROWS]],
        }
    )
    return render(request, "imports/preview.html", context)


@login_required
@require_POST
def commit(request: HttpRequest, pk: int) -> HttpResponse:
    batch = imports.batch_get_for_user(user=request.user, pk=pk)
    try:
        imports.batch_commit(actor=request.user, batch=batch)
    except DomainError as exc:
        messages.error(request, exc.message)
    # The preview of a committed batch is its result page (what was imported, a link to the list).
    return redirect("imports:preview", pk=batch.pk)


@login_required
def error_report(request: HttpRequest, pk: int) -> HttpResponse:
    batch = imports.batch_get_for_user(user=request.user, pk=pk)
    if batch.state == batch.State.COMMITTED or not batch.mapping:
        return redirect("imports:preview", pk=batch.pk)
    report = importer.error_report(imports.batch_preview(batch).errors)
    response = HttpResponse(report.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-errors.csv"'
    return response
