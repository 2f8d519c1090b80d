"""The one write of insights: setting targets (目标).

Who may set a target: an administrator for anyone and any team; a manager for the teams they manage (sub-teams
included) and the people in them, not for themselves; nobody else (a rep never). A refusal writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from insights.models import PeriodKind, Target, TargetKind
from ltc.access import profile_for
from ltc.audit import acting_as
from ltc.errors import DomainError, NotAllowed
from ltc.money import quantize, to_decimal

# Codes and messages tests assert.
TARGET_NOT_ALLOWED = "target_not_allowed"
TARGET_NOT_YOUR_TEAM = "target_not_your_team"
TARGET_AMOUNT = "target_amount"
TARGET_CURRENCY = "target_currency"
TARGET_PERIOD = "target_period"
TARGET_SUBJECT = "target_subject"
NOT_ALLOWED_MESSAGE = _("Only a manager (for their teams) or an administrator sets targets.")
NOT_YOUR_TEAM_MESSAGE = _("You can set targets only for the teams you manage and the people in them.")
AMOUNT_MESSAGE = _("A target is an amount of zero or more, such as 100000.00.")
CURRENCY_MESSAGE = _("Targets are kept in %(currency)s: no exchange rates are kept to compare another currency.")
PERIOD_MESSAGE = _(
    "A target's period is a month (its first day) or a quarter (the first day of January, April, July or October)."
)
SUBJECT_MESSAGE = _("A target is for one rep or one team.")


@dataclass(frozen=True)
class TargetInput:
    """One target to set: for ``user`` or ``team``; ``amount`` None clears it."""

    period_kind: str
    period_start: date
    kind: str
    amount: Any
    user: Any = None
    team: Any = None
    currency: str | None = None


def may_set_targets(actor: Any) -> bool:
    profile = profile_for(actor)
    return profile is not None and (profile.sees_all or bool(profile.managed_team_ids))


def _check_subject(actor: Any, entry: TargetInput) -> None:
    profile = profile_for(actor)
    if profile is None or not (profile.sees_all or profile.managed_team_ids):
        raise NotAllowed(str(NOT_ALLOWED_MESSAGE), code=TARGET_NOT_ALLOWED)
    if (entry.user is None) == (entry.team is None):
        raise DomainError(str(SUBJECT_MESSAGE), code=TARGET_SUBJECT)
    if profile.sees_all:
        return
    if entry.team is not None:
        allowed = entry.team.pk in profile.managed_team_ids
    else:
        allowed = entry.user.pk in profile.owner_ids and entry.user.pk != profile.user_id
    if not allowed:
        raise NotAllowed(str(NOT_YOUR_TEAM_MESSAGE), code=TARGET_NOT_YOUR_TEAM)


def _check_values(entry: TargetInput) -> Decimal | None:
    currency = entry.currency or settings.DEFAULT_CURRENCY
    if currency != settings.DEFAULT_CURRENCY:
        raise DomainError(
            str(CURRENCY_MESSAGE) % {"currency": settings.DEFAULT_CURRENCY},
            code=TARGET_CURRENCY,
            fields={"currency": [str(CURRENCY_MESSAGE) % {"currency": settings.DEFAULT_CURRENCY}]},
        )
    start = entry.period_start
    if (
        entry.period_kind not in PeriodKind.values
        or not isinstance(start, date)
        or start.day != 1
        or (entry.period_kind == PeriodKind.QUARTER and start.month % 3 != 1)
        or entry.kind not in TargetKind.values
    ):
        raise DomainError(str(PERIOD_MESSAGE), code=TARGET_PERIOD, fields={"period": [str(PERIOD_MESSAGE)]})
    if entry.amount is None or (isinstance(entry.amount, str) and not entry.amount.strip()):
        return None
    try:
        amount = to_decimal(entry.amount)
    except (TypeError, ValueError):
        amount = Decimal(-1)
    if amount < 0 or amount != amount.quantize(Decimal("0.01")) or amount >= Decimal(10) ** 16:
        raise DomainError(str(AMOUNT_MESSAGE), code=TARGET_AMOUNT, fields={"amount": [str(AMOUNT_MESSAGE)]})
    return quantize(amount, settings.DEFAULT_CURRENCY)


def _write(actor: Any, entry: TargetInput, amount: Decimal | None) -> Target | None:
    subject = {"user": entry.user} if entry.user is not None else {"team": entry.team}
    key = {**subject, "period_kind": entry.period_kind, "period_start": entry.period_start, "kind": entry.kind}
    existing = Target.objects.select_for_update().filter(**key).first()
    if amount is None:
        if existing is not None:
            existing.delete()
        return None
    if existing is None:
        return Target.objects.create(**key, amount=amount, currency=settings.DEFAULT_CURRENCY, set_by=actor)
    if existing.amount != amount:
        existing.amount, existing.set_by = amount, actor
        existing.save(update_fields=["amount", "set_by", "updated_at"])
    return existing


@transaction.atomic
def target_set(
    *,
    actor: Any,
    period_kind: str,
    period_start: date,
    kind: str,
    amount: Any,
    user: Any = None,
    team: Any = None,
    currency: str | None = None,
) -> Target | None:
    """Set (or with ``amount`` None, clear) the target of a rep or a team for a month or quarter and a kind.

    Refuses, writing nothing: an actor who is neither a manager nor an administrator (``target_not_allowed``),
    a subject outside the teams they manage or themselves (``target_not_your_team``), not exactly one subject
    (``target_subject``), a negative or malformed amount (``target_amount``), a currency other than the default
    (``target_currency``), a day that does not start a month or quarter or an unknown kind (``target_period``)."""
    entry = TargetInput(period_kind, period_start, kind, amount, user=user, team=team, currency=currency)
    return targets_set(actor=actor, entries=[entry])[0]


@transaction.atomic
def targets_set(*, actor: Any, entries: list[TargetInput]) -> list[Target | None]:
    """Set several targets at once, all or nothing: every entry is checked before any is written, with the
    refusals of ``target_set``."""
    checked = []
    for entry in entries:
        _check_subject(actor, entry)
        checked.append((entry, _check_values(entry)))
    with acting_as(actor):
        return [_write(actor, entry, amount) for entry, amount in checked]
