"""Customers: accounts (companies) and their contacts, shared by every stage."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ltc.access import Visibility
from ltc.audit import audited
from org.models import Region


class CompanySize(models.TextChoices):
    MICRO = "micro", _("1–19 employees")
    SMALL = "small", _("20–99 employees")
    MEDIUM = "medium", _("100–499 employees")
    LARGE = "large", _("500–1999 employees")
    ENTERPRISE = "enterprise", _("2000+ employees")


class BuyingRole(models.TextChoices):
    """A contact's part in a purchase: the gates of a deal look for a decision maker."""

    DECISION_MAKER = "decision_maker", _("Decision maker")
    INFLUENCER = "influencer", _("Influencer")
    USER = "user", _("User")
    TECHNICAL = "technical", _("Technical evaluator")
    PURCHASING = "purchasing", _("Purchasing")


@audited()
class Account(models.Model):
    """A customer company. Its owner is the rep responsible for it."""

    name = models.CharField(_("company name"), max_length=200)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    size = models.CharField(_("company size"), max_length=16, choices=CompanySize.choices, blank=True)
    region = models.CharField(_("region"), max_length=16, choices=Region.choices, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    # Duplicate key: the company name folded (width, case, spaces); see customers.normalise.
    name_key = models.CharField(max_length=200, db_index=True, editable=False, default="")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="accounts"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        indexes = [models.Index(fields=["owner", "-created_at"]), models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:account_detail", args=[self.pk])


@audited()
class Contact(models.Model):
    """A person at a customer company."""

    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("title"), max_length=100, blank=True)
    role = models.CharField(_("role in buying"), max_length=16, choices=BuyingRole.choices, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("email"), blank=True)
    # Duplicate keys (customers.normalise): phone without +86 and separators, lower-case email, folded name.
    phone_key = models.CharField(max_length=32, db_index=True, editable=False, default="")
    email_key = models.CharField(max_length=254, db_index=True, editable=False, default="")
    name_key = models.CharField(max_length=100, editable=False, default="")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="contacts"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.name


# Finance sees every customer: invoices and payments are addressed to them. The people on a deal with an
# account (its owner and the iron triangle) see that account and its contacts, whoever owns the account.
_ON_A_DEAL = ("opportunities__owner_id", "opportunities__presales_id", "opportunities__delivery_id")
ACCOUNT_VISIBILITY = Visibility(owner="owner_id", finance=True, members=_ON_A_DEAL)
CONTACT_VISIBILITY = Visibility(
    owner="account__owner_id", finance=True, members=tuple(f"account__{path}" for path in _ON_A_DEAL)
)
