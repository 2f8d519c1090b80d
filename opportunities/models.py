"""Opportunities (商机). This first form carries what a converted lead opens; the pipeline, stages, gates,
the iron triangle and quotes build on it."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ltc.access import Visibility
from ltc.audit import audited


@audited()
class Opportunity(models.Model):
    """A deal being worked with one account. Remembers the lead, source and campaign it came from."""

    name = models.CharField(_("name"), max_length=200)
    account = models.ForeignKey(
        "customers.Account", verbose_name=_("account"), on_delete=models.PROTECT, related_name="opportunities"
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("primary contact"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="opportunities"
    )
    team = models.ForeignKey(
        "org.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # where it came from: the chain of any deal is a join (ARCHITECTURE.md)
    source_lead = models.OneToOneField(
        "leads.Lead",
        verbose_name=_("source lead"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="opportunity",
    )
    source = models.ForeignKey(
        "leads.Source", verbose_name=_("source"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    campaign = models.ForeignKey(
        "leads.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        indexes = [models.Index(fields=["owner", "-created_at"]), models.Index(fields=["team", "-created_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="opportunities_amount_not_negative")
        ]

    def __str__(self) -> str:
        return self.name


OPPORTUNITY_VISIBILITY = Visibility(owner="owner_id", team="team_id")
