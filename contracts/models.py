"""Contracts (合同): made from the accepted quote (lines copied), reviewed against a checklist, approved in a
configured order, signed with the payment plan (回款计划) that adds up to the fen."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ltc.access import Visibility
from ltc.audit import audited
from ltc.money import CurrencyField, MoneyField


class Named(models.Model):
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class ReviewItem(Named):
    """One line of the contract review checklist (合同评审清单): scope, acceptance criteria, payment terms…"""

    class Meta(Named.Meta):
        verbose_name = _("review item")
        verbose_name_plural = _("review items")


class ApprovalStep(Named):
    """One approval a contract needs before signing, in order (default: the sales manager, then finance)."""

    class Approver(models.TextChoices):
        SALES_MANAGER = "sales_manager", _("The owner's sales manager")
        FINANCE = "finance", _("Finance")
        ADMIN = "admin", _("An administrator")

    approver = models.CharField(_("who approves"), max_length=16, choices=Approver.choices)

    class Meta(Named.Meta):
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNED = "signed", _("Signed")
    TERMINATED = "terminated", _("Terminated")
    COMPLETED = "completed", _("Completed")


@audited()
class Contract(models.Model):
    number = models.CharField(_("number"), max_length=40, unique=True)
    opportunity = models.ForeignKey(
        "opportunities.Opportunity", verbose_name=_("opportunity"), on_delete=models.PROTECT, related_name="contracts"
    )
    quote = models.OneToOneField(
        "opportunities.Quote", verbose_name=_("quote"), on_delete=models.PROTECT, related_name="contract"
    )
    account = models.ForeignKey(
        "customers.Account", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="contracts"
    )
    title = models.CharField(_("title"), max_length=200)
    currency = CurrencyField(_("currency"))
    total = MoneyField(_("total"), default=Decimal("0.00"))
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    signatory = models.CharField(_("signed by (customer)"), max_length=100, blank=True)
    signed_file = models.FileField(_("signed copy"), upload_to="contracts/%Y/", blank=True)
    # the version in force: 1 at signing, one more for each amendment applied
    version = models.PositiveIntegerField(_("version"), default=1)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=500, blank=True)
    # approvals count when given after the last change of the plan or the lines
    plan_changed_at = models.DateTimeField(null=True, blank=True)
    # the people of the deal, carried so that the contract is seen by the same people
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="contracts"
    )
    team = models.ForeignKey("org.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    presales = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    delivery = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["owner", "-created_at"]), models.Index(fields=["status", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(starts_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="contracts_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("contracts:contract_detail", args=[self.pk])


# Finance sees every contract; the deal's owner, managers and iron triangle see theirs.
CONTRACT_VISIBILITY = Visibility(owner="owner_id", team="team_id", members=("presales_id", "delivery_id"), finance=True)


class ContractLine(models.Model):
    """A line copied from the accepted quote: the contract keeps its own, whatever happens to the quote."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    product_code = models.CharField(_("product code"), max_length=40, blank=True)
    description = models.CharField(_("description"), max_length=300)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    unit_price = MoneyField(_("unit price"))
    discount_percent = models.DecimalField(_("discount (%)"), max_digits=5, decimal_places=2)
    tax_rate = models.DecimalField(_("tax rate (%)"), max_digits=5, decimal_places=2)
    total = MoneyField(_("total"))

    class Meta:
        ordering = ["contract", "position"]

    def __str__(self) -> str:
        return self.description


class Milestone(models.TextChoices):
    SIGNING = "signing", _("Signing")
    DELIVERY = "delivery", _("Delivery")
    ACCEPTANCE = "acceptance", _("Customer acceptance")
    DATE = "date", _("A date")


@audited()
class Installment(models.Model):
    """One payment of the plan (回款计划): due on a date, or N days after a milestone; an amount or a percent
    of the total, resolved to the fen when the plan is set."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="installments")
    position = models.PositiveIntegerField()
    label = models.CharField(_("label"), max_length=100)
    milestone = models.CharField(_("milestone"), max_length=16, choices=Milestone.choices)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    due_days = models.PositiveIntegerField(_("days after the milestone"), null=True, blank=True)
    percent = models.DecimalField(_("percent"), max_digits=5, decimal_places=2, null=True, blank=True)
    amount = MoneyField(_("amount"))
    invoiceable = models.BooleanField(_("invoiceable"), default=False)
    # written by cash collection: what arrived against this installment, and the day it was paid in full
    received = MoneyField(_("received"), default=Decimal("0.00"))
    settled_on = models.DateField(_("settled on"), null=True, blank=True)
    # a termination cancels the installments whose milestone was not reached
    cancelled = models.BooleanField(_("cancelled"), default=False)

    class Meta:
        verbose_name = _("installment")
        verbose_name_plural = _("installments")
        ordering = ["contract", "position"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="contracts_installment_positive"),
        ]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return reverse("contracts:contract_detail", args=[self.contract_id])


class Check(models.Model):
    """A review item ticked for one contract, by whom and when."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="checks")
    item = models.ForeignKey(ReviewItem, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contract", "item"], name="contracts_one_check_per_item")]

    def __str__(self) -> str:
        return f"{self.contract_id}: {self.item_id}"


class Approval(models.Model):
    """A decision on one approval step of one contract, or of one of its amendments, with its comment
    (append-only)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="approvals")
    amendment = models.ForeignKey(
        "Amendment", null=True, blank=True, on_delete=models.CASCADE, related_name="approvals"
    )
    step = models.ForeignKey(ApprovalStep, on_delete=models.PROTECT, related_name="+")
    approved = models.BooleanField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    comment = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["contract", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.contract_id}: {self.step_id} {'✓' if self.approved else '✗'}"


class Amendment(models.Model):
    """A change to a signed contract (its lines, amounts, end date or payment plan) or its termination,
    proposed with a reason and applied only once every approval step has approved it."""

    class Kind(models.TextChoices):
        AMENDMENT = "amendment", _("Amendment")
        TERMINATION = "termination", _("Termination")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPLIED = "applied", _("Approved and in force")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="amendments")
    number = models.PositiveIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.AMENDMENT)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    reason = models.CharField(_("reason"), max_length=500)
    # the proposal: the whole new version (lines and plan with amounts resolved), or the termination's date
    lines = models.JSONField(default=list, blank=True)
    installments = models.JSONField(default=list, blank=True)
    total = MoneyField(_("new total"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    effective_on = models.DateField(_("effective on"), null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        ordering = ["contract", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="contracts_amendment_number"),
            models.UniqueConstraint(
                fields=["contract"], condition=models.Q(state="pending"), name="contracts_one_pending_amendment"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} #{self.number} {self.kind}"


class ContractVersion(models.Model):
    """What the contract said from one version on: its lines, total, dates and payment plan, frozen. Version 1 is
    the signed contract; each applied amendment adds the next."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField(_("version"))
    amendment = models.OneToOneField(Amendment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    total = MoneyField(_("total"))
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    lines = models.JSONField(default=list)
    installments = models.JSONField(default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["contract", "version"]
        constraints = [models.UniqueConstraint(fields=["contract", "version"], name="contracts_one_row_per_version")]

    def __str__(self) -> str:
        return f"{self.contract_id} v{self.version}"


class NumberSequence(models.Model):
    """The last number given per prefix (e.g. a year), taken under a row lock so two contracts never share one."""

    prefix = models.CharField(max_length=40, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}:{self.last}"


# --- orders and the hand-off (交接) ------------------------------------------------------------------------


class HandoffItem(Named):
    """One item of the hand-off package: a document sales supplies, or a point the delivery lead confirms."""

    class Side(models.TextChoices):
        SALES = "sales", _("Sales supplies")
        DELIVERY = "delivery", _("Delivery confirms")

    side = models.CharField(_("who"), max_length=16, choices=Side.choices)

    class Meta(Named.Meta):
        verbose_name = _("hand-off item")
        verbose_name_plural = _("hand-off items")


class OrderStatus(models.TextChoices):
    AWAITING_HANDOFF = "awaiting_handoff", _("Awaiting hand-off")
    ACCEPTED = "accepted", _("Accepted by delivery")
    IN_DELIVERY = "in_delivery", _("In delivery")
    DELIVERED = "delivered", _("Delivered")
    CUSTOMER_ACCEPTED = "customer_accepted", _("Accepted by the customer")
    CANCELLED = "cancelled", _("Cancelled (contract terminated)")


@audited()
class Order(models.Model):
    """What a signed contract obliges us to deliver; delivery takes it only with a complete hand-off."""

    contract = models.OneToOneField(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="order"
    )
    number = models.CharField(_("number"), max_length=44, unique=True)
    status = models.CharField(
        _("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.AWAITING_HANDOFF
    )
    returned_reason = models.CharField(_("sent back because"), max_length=300, blank=True)
    accepted_at = models.DateTimeField(_("accepted by delivery"), null=True, blank=True)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    customer_accepted_on = models.DateField(_("accepted by the customer on"), null=True, blank=True)
    acceptance_proof = models.FileField(_("acceptance proof"), upload_to="acceptance/%Y/", blank=True)
    # the contract's people, for the same visibility
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    team = models.ForeignKey("org.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    presales = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    delivery = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("delivery lead"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="delivery_orders",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "-created_at"]), models.Index(fields=["delivery", "status"])]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("contracts:order_detail", args=[self.pk])


ORDER_VISIBILITY = Visibility(owner="owner_id", team="team_id", members=("presales_id", "delivery_id"), finance=True)


class HandoffCheck(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="handoff_checks")
    item = models.ForeignKey(HandoffItem, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order", "item"], name="contracts_one_handoff_check")]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.item_id}"


class OrderChange(models.Model):
    """Every step of an order's fulfilment, with actor, time and (for a send-back) the reason."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="changes")
    from_status = models.CharField(max_length=20, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=OrderStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["order", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_status} → {self.to_status}"
