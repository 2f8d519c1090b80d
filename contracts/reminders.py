"""Reminders about the payment plan, registered with the engine in activities/ (ContractsConfig.ready imports this
module).

* ``installment_due``: an open installment of a signed contract (invoiceable yet or not: not cancelled, not settled,
  something still to receive), REMINDER_DUE_DAYS before its due date (7 and 1 by default) → the contract's owner,
  at the start of that day. The occurrence names the lead time and the due date ("d7:2026-12-05"): a due date
  moved by an amendment reminds again.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from activities.reminders import Due, reminder_kind, reminder_source
from contracts.models import Installment, Status
from leads.reminders import day_start, days_starting_in
from ltc.money import format_money

INSTALLMENT_DUE = "installment_due"

MESSAGE_INSTALLMENT_DUE = gettext_noop(
    "Installment %(installment)s of contract %(contract)s (%(customer)s) is due on %(date)s, in %(days)s day(s): "
    "%(amount)s to collect."
)

reminder_kind(INSTALLMENT_DUE, label=_("A contract installment falls due soon"))


@reminder_source
def installments_due(since: datetime, now: datetime) -> Iterator[Due]:
    """At the start of each day N days before an open installment's due date (N in REMINDER_DUE_DAYS), the
    contract's owner."""
    lead_times: tuple[int, ...] = settings.REMINDER_DUE_DAYS
    moments: dict[date, list[tuple[date, int]]] = {}
    for day in days_starting_in(since, now):
        for n in lead_times:
            moments.setdefault(day + timedelta(days=n), []).append((day, n))
    if not moments:
        return
    installments = (
        Installment.objects.filter(
            due_on__in=list(moments),
            contract__status=Status.SIGNED,
            cancelled=False,
            settled_on__isnull=True,
            received__lt=F("amount"),
        )
        .select_related("contract", "contract__account")
        .order_by("due_on", "contract_id", "position")
    )
    for installment in installments:
        assert installment.due_on is not None
        contract = installment.contract
        for day, n in moments[installment.due_on]:
            yield Due(
                kind=INSTALLMENT_DUE,
                target=installment,
                occurrence=f"d{n}:{installment.due_on.isoformat()}",
                recipient_id=contract.owner_id,
                at=day_start(day),
                message=MESSAGE_INSTALLMENT_DUE,
                params={
                    "installment": installment.label,
                    "contract": contract.number,
                    "customer": contract.account.name,
                    "date": installment.due_on.isoformat(),
                    "days": str(n),
                    "amount": format_money(installment.amount - installment.received, contract.currency),
                },
            )
