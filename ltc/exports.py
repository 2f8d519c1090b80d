"""Lists as files: CSV (streamed, UTF-8 with a BOM so that Excel in China opens it cleanly) or Excel."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

CHUNK = 2000
Columns = list[tuple[Any, Callable[[Any], Any]]]  # (header, value of a record)


def filename(stem: str, extension: str) -> str:
    return f"{stem}-{timezone.localdate():%Y%m%d}.{extension}"


def _records(queryset: QuerySet[Any] | Iterable[Any]) -> Iterable[Any]:
    return queryset.iterator(chunk_size=CHUNK) if isinstance(queryset, QuerySet) else queryset


def csv_response(queryset: QuerySet[Any] | Iterable[Any], columns: Columns, stem: str) -> StreamingHttpResponse:
    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow([str(header) for header, _value in columns])
        for record in _records(queryset):
            yield writer.writerow([value(record) for _header, value in columns])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename(stem, "csv")}"'
    return response


def xlsx_response(queryset: QuerySet[Any] | Iterable[Any], columns: Columns, stem: str, sheet: str) -> HttpResponse:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    worksheet.append([str(header) for header, _value in columns])
    for record in _records(queryset):
        worksheet.append([value(record) for _header, value in columns])
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename(stem, "xlsx")}"'
    return response


def local_time(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""
