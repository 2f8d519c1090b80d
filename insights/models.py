"""Targets (目标): the one thing insights writes. Everything else here only reads.

A target is an amount a rep or a team should reach in a month or a quarter, for bookings (the value of the
contracts signed) or for cash (the money received). One per subject, period and kind; in the default currency
(no rates are kept, so a target in another currency could not be compared with anything).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ltc.audit import audited
from ltc.money import CurrencyField, MoneyField


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")


class TargetKind(models.TextChoices):
    BOOKINGS = "bookings", _("Bookings (contracts signed)")
    CASH = "cash", _("Cash received")


def period_end(kind: str, start: date) -> date:
    """The last day of the month or quarter that starts on ``start``."""
    months = 3 if kind == PeriodKind.QUARTER else 1
    month = start.month - 1 + months
    first_after = date(start.year + month // 12, month % 12 + 1, 1)
    return first_after - timedelta(days=1)


@audited()
class Target(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rep"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="targets",
    )
    team = models.ForeignKey(
        "org.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.CASCADE, related_name="targets"
    )
    period_kind = models.CharField(_("period"), max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField(_("first day of the period"))
    kind = models.CharField(_("kind"), max_length=8, choices=TargetKind.choices)
    amount = MoneyField(_("amount"))
    currency = CurrencyField(_("currency"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["period_start", "kind", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, team__isnull=True) | Q(user__isnull=True, team__isnull=False),
                name="insights_target_one_subject",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="insights_target_not_negative"),
            models.UniqueConstraint(
                fields=["user", "period_kind", "period_start", "kind"],
                condition=Q(user__isnull=False),
                name="insights_one_target_per_rep_period_kind",
            ),
            models.UniqueConstraint(
                fields=["team", "period_kind", "period_start", "kind"],
                condition=Q(team__isnull=False),
                name="insights_one_target_per_team_period_kind",
            ),
        ]
        indexes = [models.Index(fields=["period_start", "kind"])]

    def __str__(self) -> str:
        subject = self.user if self.user_id else self.team
        return f"{subject} {self.period_start:%Y-%m} {self.kind}: {self.amount} {self.currency}"

    @property
    def period_end(self) -> date:
        return period_end(self.period_kind, self.period_start)
