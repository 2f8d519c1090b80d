"""The lead list as a file: the same filters and the same visibility as the page, as CSV or Excel."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _

from leads.models import Lead
from ltc import exports


def _columns() -> list[tuple[str, Any]]:
    when = exports.local_time

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


def export_csv(leads: QuerySet[Lead]) -> StreamingHttpResponse:
    return exports.csv_response(leads, _columns(), "leads")


def export_xlsx(leads: QuerySet[Lead]) -> HttpResponse:
    return exports.xlsx_response(leads, _columns(), "leads", _("Leads"))
