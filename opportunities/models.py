"""Opportunities (商机): deals in a configurable pipeline whose stages have quality gates; the iron triangle
(sales owner, solution lead, delivery lead); every stage change kept, so time in each stage is exact."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from customers.models import CompanySize
from ltc.access import Visibility
from ltc.audit import audited
from ltc.money import CurrencyField, MoneyField


class Named(models.Model):
    """A configured name in Chinese, and in English for English readers."""

    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


@audited()
class Pipeline(Named):
    """A sales process: its stages in order. Several may exist (per segment or product line)."""

    segments = ArrayField(
        models.CharField(max_length=16, choices=CompanySize.choices),
        verbose_name=_("customer segments"),
        blank=True,
        default=list,
        help_text=_("Company sizes whose deals open in this pipeline; empty for the default pipeline."),
    )
    is_default = models.BooleanField(_("default"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="opportunities_one_default_pipeline"
            )
        ]


class Category(models.TextChoices):
    """What a stage means; the categories are code, the stages are data."""

    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


@audited()
class Stage(Named):
    pipeline = models.ForeignKey(Pipeline, verbose_name=_("pipeline"), on_delete=models.CASCADE, related_name="stages")
    order = models.PositiveIntegerField(_("order"))
    probability = models.PositiveSmallIntegerField(_("default probability (%)"))
    category = models.CharField(_("category"), max_length=8, choices=Category.choices, default=Category.OPEN)

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["pipeline", "order"]
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "order"], name="opportunities_stage_order_unique"),
            models.CheckConstraint(condition=models.Q(probability__lte=100), name="opportunities_stage_probability"),
        ]


class Check(models.TextChoices):
    """What the system verifies itself; anything else is ticked by a person."""

    MANUAL = "manual", _("Ticked by a person")
    DECISION_MAKER = "decision_maker", _("A decision maker is among the account's contacts")
    PRESALES = "presales", _("A solution lead is on the deal")
    DELIVERY = "delivery", _("A delivery lead is on the deal")
    AMOUNT = "amount", _("The amount is set")
    CLOSE_DATE = "close_date", _("The expected close date is set")
    QUOTE_SENT = "quote_sent", _("A quote has been sent")
    QUOTE_ACCEPTED = "quote_accepted", _("A quote has been accepted")


class Requirement(Named):
    """One thing that must be true to enter a stage (质量门控)."""

    class Kind(models.TextChoices):
        MANDATORY = "mandatory", _("Mandatory")
        GUIDANCE = "guidance", _("Guidance")

    stage = models.ForeignKey(Stage, verbose_name=_("stage"), on_delete=models.CASCADE, related_name="requirements")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.MANDATORY)
    verified_by = models.CharField(_("verified by"), max_length=24, choices=Check.choices, default=Check.MANUAL)
    segments = ArrayField(
        models.CharField(max_length=16, choices=CompanySize.choices),
        verbose_name=_("only for company sizes"),
        blank=True,
        default=list,
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("gate requirement")
        verbose_name_plural = _("gate requirements")
        ordering = ["stage", "order", "pk"]


class LostReason(Named):
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("lost reason")
        verbose_name_plural = _("lost reasons")
        ordering = ["pk"]


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
    amount = MoneyField(_("amount"), default=Decimal("0.00"))
    currency = CurrencyField(_("currency"))
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="opportunities"
    )
    team = models.ForeignKey(
        "org.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # the iron triangle (铁三角): the owner sells, the solution lead designs, the delivery lead delivers
    presales = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("solution lead"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="presales_opportunities",
    )
    delivery = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("delivery lead"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="delivery_opportunities",
    )
    # where it stands
    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), null=True, on_delete=models.PROTECT, related_name="opportunities"
    )
    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), null=True, on_delete=models.PROTECT, related_name="opportunities"
    )
    probability = models.PositiveSmallIntegerField(_("probability (%)"), default=0)
    stage_entered_at = models.DateTimeField(_("in this stage since"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    lost_reason = models.ForeignKey(
        LostReason, verbose_name=_("lost reason"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    competitor = models.CharField(_("competitor"), max_length=200, blank=True)
    # every change of the stage adds one: a move made against an older version is refused (no lost update)
    version = models.PositiveIntegerField(_("version"), default=1)
    # the deal's id in the system it was imported from (re-importing the same file is refused row by row)
    external_ref = models.CharField(_("reference in the source system"), max_length=64, blank=True, db_index=True)
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
        indexes = [
            # the list's order (newest first, id to break ties), alone and per owner and team: a page walks 25 rows
            models.Index(fields=["-created_at", "-id"], name="opportunities_newest"),
            models.Index(fields=["owner", "-created_at", "-id"], name="opportunities_owner_newest"),
            models.Index(fields=["team", "-created_at", "-id"], name="opportunities_team_newest"),
            # the board's columns: a stage's most recently entered deals
            models.Index(fields=["stage", "-stage_entered_at", "-id"], name="opportunities_stage_recent"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="opportunities_amount_not_negative")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("opportunities:opportunity_detail", args=[self.pk])


# The owner and their managers see a deal; so do the solution and delivery leads on it (the iron triangle).
OPPORTUNITY_VISIBILITY = Visibility(owner="owner_id", team="team_id", members=("presales_id", "delivery_id"))


class StageChange(models.Model):
    """Every move of a deal between stages, with time and actor (append-only): time in stage is exact."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(Stage, null=True, on_delete=models.PROTECT, related_name="+")
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(db_index=True)
    # guidance requirements passed by, each with the note that said why: [{"requirement": id, "note": "…"}]
    skipped = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["opportunity", "at"])]

    def __str__(self) -> str:
        return f"{self.from_stage_id} → {self.to_stage_id}"


class Tick(models.Model):
    """A person's word that a manual requirement holds for a deal (who, when, with an optional note)."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="ticks")
    requirement = models.ForeignKey(Requirement, on_delete=models.CASCADE, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["opportunity", "requirement"], name="opportunities_one_tick")]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.requirement_id}"


# --- products, price books, quotes ------------------------------------------------------------------------


class PercentField(models.DecimalField):
    """0.00 to 100.00."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 5)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)


@audited()
class Product(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=20, default="套")
    list_price = MoneyField(_("list price"), default=Decimal("0.00"))
    currency = CurrencyField(_("currency"))
    tax_rate = PercentField(_("tax rate (%)"), default=Decimal("13.00"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(list_price__gte=0), name="opportunities_product_price"),
            models.CheckConstraint(
                condition=models.Q(tax_rate__gte=0, tax_rate__lte=100), name="opportunities_product_tax"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


@audited()
class PriceBook(models.Model):
    """Prices per currency; a product not in a book is quoted at its list price."""

    name = models.CharField(_("name"), max_length=100)
    currency = CurrencyField(_("currency"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("price book")
        verbose_name_plural = _("price books")
        ordering = ["currency", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.currency})"


class PriceBookEntry(models.Model):
    price_book = models.ForeignKey(PriceBook, on_delete=models.CASCADE, related_name="entries")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="prices")
    unit_price = MoneyField(_("unit price"))

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        constraints = [
            models.UniqueConstraint(fields=["price_book", "product"], name="opportunities_one_price_per_book"),
            models.CheckConstraint(condition=models.Q(unit_price__gte=0), name="opportunities_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.unit_price}"


@audited()
class Quote(models.Model):
    """One version (v1, v2 …) of the offer for a deal. Only a draft changes; an accepted quote is frozen."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        EXPIRED = "expired", _("Expired")

    class Approval(models.TextChoices):
        NOT_NEEDED = "", _("Not needed")
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Refused")

    opportunity = models.ForeignKey(Opportunity, on_delete=models.PROTECT, related_name="quotes")
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    currency = CurrencyField(_("currency"))
    valid_until = models.DateField(_("valid until"))
    note = models.TextField(_("terms and notes"), blank=True)
    # totals: the exact sums of the lines (ltc.money.line_amounts), kept with the quote
    gross = MoneyField(_("before discount"), default=Decimal("0.00"))
    discount = MoneyField(_("discount"), default=Decimal("0.00"))
    net = MoneyField(_("net"), default=Decimal("0.00"))
    tax = MoneyField(_("tax"), default=Decimal("0.00"))
    total = MoneyField(_("total"), default=Decimal("0.00"))
    max_discount_percent = PercentField(_("largest line discount (%)"), default=Decimal("0"))
    # a discount beyond the threshold waits for the owner's manager (never the requester)
    approval = models.CharField(_("discount approval"), max_length=12, choices=Approval.choices, blank=True)
    approval_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approval_note = models.CharField(_("approval note"), max_length=200, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    decided_at = models.DateTimeField(_("accepted or rejected"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["opportunity", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "version"], name="opportunities_quote_version"),
            models.UniqueConstraint(
                fields=["opportunity"],
                condition=models.Q(status="accepted"),
                name="opportunities_one_accepted_quote",
            ),
        ]

    def __str__(self) -> str:
        return f"Q{self.opportunity_id}-v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("opportunities:quote_detail", args=[self.pk])


class QuoteLine(models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    product = models.ForeignKey(
        Product, verbose_name=_("product"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(_("description"), max_length=300)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    unit_price = MoneyField(_("unit price"))
    discount_percent = PercentField(_("discount (%)"), default=Decimal("0"))
    tax_rate = PercentField(_("tax rate (%)"), default=Decimal("0"))
    gross = MoneyField(default=Decimal("0.00"))
    discount = MoneyField(default=Decimal("0.00"))
    net = MoneyField(default=Decimal("0.00"))
    tax = MoneyField(default=Decimal("0.00"))
    total = MoneyField(default=Decimal("0.00"))

    class Meta:
        ordering = ["quote", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="opportunities_line_quantity"),
            models.CheckConstraint(condition=models.Q(unit_price__gte=0), name="opportunities_line_price"),
            models.CheckConstraint(
                condition=models.Q(discount_percent__gte=0, discount_percent__lte=100),
                name="opportunities_line_discount",
            ),
            models.CheckConstraint(
                condition=models.Q(tax_rate__gte=0, tax_rate__lte=100), name="opportunities_line_tax"
            ),
        ]

    def __str__(self) -> str:
        return self.description
