"""The lead list as a file: the same filters and the same visibility as the page, as CSV or Excel."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from leads.models import Lead

CHUNK = 2000


def _columns() -> list[tuple[str, Any]]:
    def when(value: Any) -> str:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

    return [
        (_("ID"), lambda lead: lead.pk),
        (_("Name"), lambda lead: lead.name),
        (_("Company"), lambda lead: lead.company),
        (_("Title"), lambda lead: lead.title),
        (_("Phone"), lambda lead: lead.phone),
        (_("Email"), lambda lead: lead.email),
        (_("Industry"), lambda lead: lead.industry),
        (_("Company size"), lambda lead: lead.get_size_display()),
        (_("Region"), lambda lead: lead.get_region_display()),
        (_("City"), lambda lead: lead.city),
        (_("Source"), lambda lead: str(lead.source)),
        (_("Campaign"), lambda lead: str(lead.campaign or "")),
        (_("Grade"), lambda lead: lead.grade),
        (_("Score"), lambda lead: lead.score),
        (_("Status"), lambda lead: lead.get_status_display()),
        (_("Owner"), lambda lead: str(lead.owner or "")),
        (_("Team"), lambda lead: str(lead.team or "")),
        (_("First contact due"), lambda lead: when(lead.first_contact_due_at)),
        (_("First contacted"), lambda lead: when(lead.first_contacted_at)),
        (_("Created"), lambda lead: when(lead.created_at)),
    ]


def _filename(extension: str) -> str:
    return f"leads-{timezone.localdate():%Y%m%d}.{extension}"


def export_csv(leads: QuerySet[Lead]) -> StreamingHttpResponse:
    """Streamed, UTF-8 with a BOM so that Excel in China opens it without mojibake."""
    columns = _columns()

    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())

    def rows() -> Iterator[str]:
        yield "\ufeff" + writer.writerow([str(label) for label, _get in columns])
        for lead in leads.iterator(chunk_size=CHUNK):
            yield writer.writerow([get(lead) for _label, get in columns])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
    return response


def export_xlsx(leads: QuerySet[Lead]) -> HttpResponse:
    from openpyxl import Workbook

    columns = _columns()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Leads"))
    sheet.append([str(label) for label, _get in columns])
    for lead in leads.iterator(chunk_size=CHUNK):
        sheet.append([get(lead) for _label, get in columns])
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename("xlsx")}"'
    return response
