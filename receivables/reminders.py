"""Reminders about invoices, registered with the engine in activities/ (ReceivablesConfig.ready imports this module).

* ``invoice_due``: an issued invoice with something still open, REMINDER_DUE_DAYS before its due date (7 and 1 by
  default) → its owner, at the start of that day; the occurrence names the lead time and the due date ("d7:…").
* ``invoice_overdue``, the escalation: REMINDER_ESCALATION_DAYS after the due date (1, 15 and 30 by default), at the
  start of that day, level 1 → the owner, level 2 → the owner's managers (``org.selectors.managers_of``; finance when
  nobody manages the owner, so the escalation reaches someone), level 3 and any later one → finance. The
  occurrence is "level-N:<due date>", so each level reaches each person once. An invoice paid, credited,
  written off or void before a level's moment is no longer open: that level and the later ones never fire.
* The digest section: the invoices a person should chase (their own overdue invoices; for finance, every overdue
  invoice), most overdue first.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import DecimalField, ExpressionWrapper, F
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from activities.reminders import Due, register_digest_section, reminder_kind, reminder_source
from leads.reminders import day_start, days_starting_in
from ltc.money import format_money
from org.models import User
from org.selectors import finance_people, managers_of
from receivables.models import Invoice, InvoiceStatus

INVOICE_DUE = "invoice_due"
INVOICE_OVERDUE = "invoice_overdue"
OPEN_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID)
DIGEST_LIMIT = 20

MESSAGE_INVOICE_DUE = gettext_noop(
    "Invoice %(invoice)s to %(customer)s is due on %(date)s, in %(days)s day(s): %(amount)s still open."
)
MESSAGE_INVOICE_OVERDUE = gettext_noop(
    "Invoice %(invoice)s to %(customer)s was due on %(date)s and is %(days)s day(s) overdue: %(amount)s still open. "
    "Please chase the payment."
)
MESSAGE_INVOICE_ESCALATED = gettext_noop(
    "Escalation level %(level)s: invoice %(invoice)s to %(customer)s (owner %(owner)s) is %(days)s days overdue "
    "since %(date)s: %(amount)s still open."
)
DIGEST_HEADING = gettext_noop("Invoices to chase (%(count)s)")
DIGEST_LINE = gettext_noop("- %(invoice)s %(customer)s: %(amount)s open, %(days)s day(s) overdue")
DIGEST_MORE = gettext_noop("… and %(count)s more")

reminder_kind(INVOICE_DUE, label=_("An invoice falls due soon"))
reminder_kind(INVOICE_OVERDUE, label=_("An invoice is overdue (escalation)"), channels=("inbox", "email"))


def open_invoices() -> Any:
    """Issued invoices (not credit notes) with something still open, annotated with ``open_amount``."""
    return (
        Invoice.objects.filter(kind=Invoice.Kind.INVOICE, status__in=OPEN_STATUSES)
        .annotate(
            open_amount=ExpressionWrapper(
                F("total") - F("allocated") - F("credited") - F("written_off"),
                output_field=DecimalField(max_digits=18, decimal_places=2),
            )
        )
        .filter(open_amount__gt=0)
        .select_related("account", "owner")
    )


def _params(invoice: Any) -> dict[str, str]:
    assert invoice.due_on is not None
    return {
        "invoice": str(invoice.number),
        "customer": invoice.account.name,
        "date": invoice.due_on.isoformat(),
        "amount": format_money(invoice.open_amount, invoice.currency),
    }


def _by_due_date(since: datetime, now: datetime, offsets: dict[int, int]) -> dict[date, list[tuple[date, int]]]:
    """Due dates whose reminder starts a day in the window: {due date: [(that day, key)]} where each day is the due
    date plus ``offsets[key]`` days."""
    wanted: dict[date, list[tuple[date, int]]] = {}
    for day in days_starting_in(since, now):
        for key, offset in offsets.items():
            wanted.setdefault(day - timedelta(days=offset), []).append((day, key))
    return wanted


@reminder_source
def invoices_due(since: datetime, now: datetime) -> Iterator[Due]:
    """At the start of each day N days before an open invoice's due date (N in REMINDER_DUE_DAYS), its owner."""
    lead_times: tuple[int, ...] = settings.REMINDER_DUE_DAYS
    wanted = _by_due_date(since, now, {n: -n for n in lead_times})
    if not wanted:
        return
    for invoice in open_invoices().filter(due_on__in=list(wanted)).order_by("due_on", "pk"):
        for day, n in wanted[invoice.due_on]:
            yield Due(
                kind=INVOICE_DUE,
                target=invoice,
                occurrence=f"d{n}:{invoice.due_on.isoformat()}",
                recipient_id=invoice.owner_id,
                at=day_start(day),
                message=MESSAGE_INVOICE_DUE,
                params={**_params(invoice), "days": str(n)},
            )


def escalation_recipients(level: int, owner: User) -> list[int]:
    """Level 1: the owner; level 2: the owner's nearest active managers (finance when nobody manages them);
    level 3 and later: finance."""
    if level == 1:
        return [owner.pk]
    if level == 2:
        managers = [manager.pk for manager in managers_of(user=owner)]
        if managers:
            return managers
    return list(finance_people().values_list("pk", flat=True))


@reminder_source
def invoices_overdue(since: datetime, now: datetime) -> Iterator[Due]:
    """At the start of the day REMINDER_ESCALATION_DAYS[N-1] days after an open invoice's due date, level N."""
    levels = dict(enumerate(settings.REMINDER_ESCALATION_DAYS, start=1))
    wanted = _by_due_date(since, now, levels)
    if not wanted:
        return
    recipients: dict[tuple[int, int], list[int]] = {}
    for invoice in open_invoices().filter(due_on__in=list(wanted)).order_by("due_on", "pk"):
        for day, level in wanted[invoice.due_on]:
            if (level, invoice.owner_id) not in recipients:
                recipients[level, invoice.owner_id] = escalation_recipients(level, invoice.owner)
            params = {**_params(invoice), "days": str(levels[level]), "level": str(level), "owner": str(invoice.owner)}
            for recipient_id in recipients[level, invoice.owner_id]:
                yield Due(
                    kind=INVOICE_OVERDUE,
                    target=invoice,
                    occurrence=f"level-{level}:{invoice.due_on.isoformat()}",
                    recipient_id=recipient_id,
                    at=day_start(day),
                    message=MESSAGE_INVOICE_OVERDUE if level == 1 else MESSAGE_INVOICE_ESCALATED,
                    params=params,
                )


@register_digest_section
def invoices_to_chase(user: User, day: date) -> list[str]:
    """The open invoices overdue on ``day`` that the person should chase: their own, or every one for finance;
    most overdue first, at most DIGEST_LIMIT lines and a count of the rest."""
    overdue = open_invoices().filter(due_on__lt=day)
    if not finance_people().filter(pk=user.pk).exists():
        overdue = overdue.filter(owner=user)
    total = overdue.count()
    if not total:
        return []
    lines = [gettext(DIGEST_HEADING) % {"count": total}]
    for invoice in overdue.order_by("due_on", "pk")[:DIGEST_LIMIT]:
        lines.append(gettext(DIGEST_LINE) % {**_params(invoice), "days": (day - invoice.due_on).days})
    if total > DIGEST_LIMIT:
        lines.append(gettext(DIGEST_MORE) % {"count": total - DIGEST_LIMIT})
    return lines
