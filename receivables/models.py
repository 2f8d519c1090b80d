"""Cash collection (回款): invoices issued from the payment plan, payments recorded by finance and allocated to
invoices, write-offs approved by a finance manager. History is never edited: a reversal is a new entry.

The running sums on an invoice (allocated, credited, written off) and on a payment (allocated) are changed only
under a row lock, in the same transaction as the entries they sum; database constraints keep them within the
totals even if a bug tried otherwise."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ltc.access import Visibility
from ltc.audit import audited
from ltc.money import CurrencyField, MoneyField

ZERO = Decimal("0.00")


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    PARTIALLY_PAID = "partially_paid", _("Partially paid")
    PAID = "paid", _("Paid")
    WRITTEN_OFF = "written_off", _("Closed by a write-off")
    CREDITED = "credited", _("Cancelled by a credit note")
    VOID = "void", _("Void")


@audited()
class Invoice(models.Model):
    """An invoice (or a credit note correcting one). Numbered when issued, immutable from then on."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.INVOICE)
    # text, so that an imported number keeps its leading zeros; empty while a draft
    number = models.CharField(_("number"), max_length=40, null=True, blank=True, unique=True)
    account = models.ForeignKey(
        "customers.Account", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="invoices"
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    installment = models.ForeignKey(
        "contracts.Installment",
        verbose_name=_("installment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrects invoice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_notes",
    )
    status = models.CharField(_("status"), max_length=16, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    currency = CurrencyField(_("currency"))
    net = MoneyField(_("net"), default=ZERO)
    tax = MoneyField(_("tax"), default=ZERO)
    total = MoneyField(_("total"), default=ZERO)
    # running sums, changed under the invoice's row lock with the entries they sum
    allocated = MoneyField(_("paid"), default=ZERO)
    credited = MoneyField(_("credited"), default=ZERO)
    written_off = MoneyField(_("written off"), default=ZERO)
    paid_on = models.DateField(_("paid in full on"), null=True, blank=True)
    void_reason = models.CharField(_("why void"), max_length=300, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    historical = models.BooleanField(_("brought in by import"), default=False)
    # the people of the contract (or the customer's owner), for the same visibility
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="invoices"
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
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issued_on", "-pk"]
        indexes = [
            models.Index(fields=["owner", "-issued_on"]),
            models.Index(fields=["status", "due_on"]),
            models.Index(fields=["account", "status"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="receivables_invoice_total_not_negative"),
            models.CheckConstraint(
                condition=Q(allocated__gte=0) & Q(credited__gte=0) & Q(written_off__gte=0),
                name="receivables_invoice_sums_not_negative",
            ),
            # never more settled than the invoice is for
            models.CheckConstraint(
                condition=Q(total__gte=F("allocated") + F("credited") + F("written_off")),
                name="receivables_invoice_not_over_settled",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(number__isnull=False), name="receivables_issued_has_number"
            ),
        ]

    def __str__(self) -> str:
        return self.number or _("Draft invoice #%(pk)s") % {"pk": self.pk}

    def get_absolute_url(self) -> str:
        return reverse("receivables:invoice_detail", args=[self.pk])

    @property
    def open_balance(self) -> Decimal:
        """What is still owed: the total less what was paid, credited and written off."""
        if self.status in (InvoiceStatus.DRAFT, InvoiceStatus.VOID) or self.kind == self.Kind.CREDIT_NOTE:
            return ZERO
        return self.total - self.allocated - self.credited - self.written_off


# Finance sees every invoice; a rep the invoices of their contracts; a manager the team's.
INVOICE_VISIBILITY = Visibility(owner="owner_id", team="team_id", members=("presales_id", "delivery_id"), finance=True)


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    description = models.CharField(_("description"), max_length=300)
    tax_rate = models.DecimalField(_("tax rate (%)"), max_digits=5, decimal_places=2, default=Decimal(0))
    net = MoneyField(_("net"))
    tax = MoneyField(_("tax"))
    total = MoneyField(_("total"))

    class Meta:
        ordering = ["invoice", "position"]

    def __str__(self) -> str:
        return self.description


class Method(models.TextChoices):
    TRANSFER = "transfer", _("Bank transfer")
    ACCEPTANCE_BILL = "acceptance_bill", _("Bank acceptance bill (承兑汇票)")
    CASH = "cash", _("Cash")
    CHEQUE = "cheque", _("Cheque")
    OTHER = "other", _("Other")


@audited()
class Payment(models.Model):
    """Money received from a customer. What is not allocated stays on the customer as a credit. A payment
    that bounced is reversed by a new, negative payment; nothing is edited."""

    account = models.ForeignKey(
        "customers.Account", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="payments"
    )
    payer = models.CharField(_("payer"), max_length=200)
    received_on = models.DateField(_("received on"))
    amount = MoneyField(_("amount"))
    currency = CurrencyField(_("currency"))
    method = models.CharField(_("method"), max_length=20, choices=Method.choices, default=Method.TRANSFER)
    reference = models.CharField(_("reference"), max_length=200, blank=True)
    allocated = MoneyField(_("allocated"), default=ZERO)
    reversal_of = models.OneToOneField(
        "self", verbose_name=_("reverses"), null=True, blank=True, on_delete=models.PROTECT, related_name="reversal"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    historical = models.BooleanField(_("brought in by import"), default=False)
    # the customer's owner, for the same visibility as the customer's invoices
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey("org.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-received_on", "-pk"]
        indexes = [models.Index(fields=["account", "-received_on"]), models.Index(fields=["-received_on"])]
        constraints = [
            # a payment is money in; only its reversal is negative, and by exactly as much
            models.CheckConstraint(
                condition=Q(reversal_of__isnull=True, amount__gt=0) | Q(reversal_of__isnull=False, amount__lt=0),
                name="receivables_payment_sign",
            ),
            models.CheckConstraint(
                condition=Q(reversal_of__isnull=False) | (Q(allocated__gte=0) & Q(amount__gte=F("allocated"))),
                name="receivables_payment_not_over_allocated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.received_on} {self.payer} {self.amount}"

    def get_absolute_url(self) -> str:
        return reverse("receivables:payment_detail", args=[self.pk])

    @property
    def unallocated(self) -> Decimal:
        return self.amount - self.allocated if self.reversal_of_id is None else ZERO


PAYMENT_VISIBILITY = Visibility(owner="owner_id", team="team_id", finance=True)


class Allocation(models.Model):
    """Part of a payment settling part of an invoice. Undone by a reversal entry of the opposite sign."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    # in the invoice's currency, and what it takes of the payment in the payment's (the same unless a rate)
    amount = MoneyField(_("amount"))
    payment_amount = MoneyField(_("of the payment"))
    rate = models.DecimalField(_("rate"), max_digits=18, decimal_places=8, null=True, blank=True)
    reversal_of = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversal")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reversal_of__isnull=True, amount__gt=0, payment_amount__gt=0)
                | Q(reversal_of__isnull=False, amount__lt=0, payment_amount__lt=0),
                name="receivables_allocation_sign",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payment_id} → {self.invoice_id}: {self.amount}"


class WriteOff(models.Model):
    """Closing (part of) an invoice's open balance that will not be paid: a reason, and a finance manager's
    approval (never the requester's own). Reported apart from cash: it was not paid."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="write_offs")
    amount = MoneyField(_("amount"))
    reason = models.CharField(_("reason"), max_length=300)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    comment = models.CharField(_("comment"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("write-off")
        verbose_name_plural = _("write-offs")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="receivables_write_off_positive"),
            models.UniqueConstraint(
                fields=["invoice"], condition=Q(state="pending"), name="receivables_one_pending_write_off"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.amount}"
