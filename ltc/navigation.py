"""The main navigation: the six stages in order, then dashboards and the inbox.

An entry whose page is not installed yet (its URL name does not resolve) is shown disabled,
so the navigation always shows the whole chain from lead to cash.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    key: str
    label: Promise
    url_name: str
    icon: str
    stage: int | None = None  # 1..6 for the lead-to-cash stages


NAVIGATION: tuple[NavItem, ...] = (
    NavItem("leads", _("Leads"), "leads:lead_list", "person-plus", 1),
    NavItem("opportunities", _("Opportunities"), "opportunities:opportunity_list", "bullseye", 2),
    NavItem("quotes", _("Quotes"), "opportunities:quote_list", "file-earmark-text", 3),
    NavItem("contracts", _("Contracts"), "contracts:contract_list", "file-earmark-check", 4),
    NavItem("orders", _("Orders"), "contracts:order_list", "truck", 5),
    NavItem("receivables", _("Cash collection"), "receivables:invoice_list", "cash-coin", 6),
    NavItem("customers", _("Customers"), "customers:account_list", "building"),
    NavItem("insights", _("Dashboards"), "insights:dashboard", "bar-chart"),
    NavItem("inbox", _("Inbox"), "activities:inbox", "bell"),
)


@dataclass(frozen=True)
class ResolvedNavItem:
    item: NavItem
    url: str | None
    active: bool


def resolve_navigation(current_path: str) -> list[ResolvedNavItem]:
    resolved = []
    for item in NAVIGATION:
        try:
            url: str | None = reverse(item.url_name)
        except NoReverseMatch:
            url = None
        active = bool(url) and current_path.startswith(url or "\0")
        resolved.append(ResolvedNavItem(item=item, url=url, active=active))
    return resolved
