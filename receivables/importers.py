"""How files become cash collection records, through the shared importer (the pages and ``ltc_import``), for
finance and administrators only:

- **historical invoices**: a company moving in brings its issued invoices (customer, number kept as text with its
  leading zeros, issue and due dates, amount, currency); they are issued and marked historical. A number that
  exists, or repeats in the file, is a row error.
- **historical payments**: the money that arrived on them (customer, date, amount, reference, the invoice it
  settles), recorded as historical payments allocated to those invoices; never more than an invoice owes.
- **bank statement**: receipts (date, payer, amount, reference). The importer checks every line; each line is then
  matched to open invoices — an invoice number found in the reference first, else the payer's customer and an
  invoice open for exactly that amount — and the match is proposed to finance on the bank statement page
  (``statement_views``), who confirms or corrects it line by line. Only confirmed lines become payments.

Customers are matched by name as contacts match accounts: width, case and spaces folded (``text_key``).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.models import Account
from ltc.access import profile_for
from ltc.errors import DomainError, NotAllowed
from ltc.importer import CellError, Column, ImportSpec, Lookup, choice, limited
from ltc.money import CURRENCIES, format_money, quantize, to_decimal
from ltc.text import text_key
from receivables import services
from receivables.models import Invoice, InvoiceStatus, Method, Payment

OPEN = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID)
STATEMENT_KIND = services.STATEMENT_KIND
CONFIRM_ON_PAGE = "statement_needs_confirmation"

ACCOUNT_MESSAGE = gettext_lazy("No customer is called “%(value)s”.")
NOT_AN_AMOUNT = gettext_lazy("“%(value)s” is not an amount.")
NOT_POSITIVE = gettext_lazy("An amount is more than zero.")
TOO_FINE = gettext_lazy("At most two decimals (the fen).")
NOT_A_DATE = gettext_lazy("“%(value)s” is not a date (YYYY-MM-DD).")
NOT_A_CURRENCY = gettext_lazy("“%(value)s” is not a currency we keep.")
IN_THE_FUTURE = gettext_lazy("In the future.")
NOT_ARRIVED = gettext_lazy("Money is recorded when it has arrived.")
DUE_BEFORE_ISSUE = gettext_lazy("It falls due before it is issued.")
NUMBER_EXISTS = gettext_lazy("Invoice %(number)s exists already.")
NUMBER_REPEATED = gettext_lazy("The same number is on row %(row)d.")
NO_SUCH_INVOICE = gettext_lazy("No invoice is numbered %(number)s.")
OTHER_CUSTOMERS = gettext_lazy("Invoice %(number)s is %(account)s's.")
NOT_OPEN = gettext_lazy("Invoice %(number)s is %(status)s.")
OTHER_CURRENCY = gettext_lazy("Invoice %(number)s is in %(currency)s.")
MORE_THAN_OWED = gettext_lazy("More than invoice %(number)s owes (%(open)s open).")
IMPORT_AS_FINANCE = gettext_lazy("Import cash collection records as a finance person (--as).")
CONFIRM_LINES = gettext_lazy(
    "A bank statement is recorded line by line once finance confirms each match: open Cash collection › Bank "
    "statements to confirm or correct them. Nothing was recorded."
)

# What Chinese bank exports and finance spreadsheets call things, beyond the field names and labels.
CURRENCY_SYNONYMS = {"人民币": "CNY", "RMB": "CNY", "美元": "USD", "欧元": "EUR", "港币": "HKD", "日元": "JPY"}
METHOD_SYNONYMS: dict[str, str] = {
    "电汇": Method.TRANSFER,
    "转账": Method.TRANSFER,
    "网银": Method.TRANSFER,
    "承兑": Method.ACCEPTANCE_BILL,
    "汇票": Method.ACCEPTANCE_BILL,
    "银承": Method.ACCEPTANCE_BILL,
    "现金": Method.CASH,
    "支票": Method.CHEQUE,
}
CUSTOMER_ALIASES = ("客户", "客户名称", "公司", "公司名称", "购买方", "购方名称", "customer", "company")


# --- cell parsers ----------------------------------------------------------------------------------------------


def money(text: str) -> Decimal:
    """1234.56, 1,234.56, ¥1,234.56 or 1234.56元: more than zero, to the fen at most."""
    cleaned = text.strip().lstrip("¥￥").rstrip("元").strip()
    try:
        value = to_decimal(cleaned)
    except (TypeError, ValueError):
        raise CellError(str(NOT_AN_AMOUNT) % {"value": text}) from None
    if value <= 0:
        raise CellError(str(NOT_POSITIVE))
    if value != value.quantize(Decimal("0.01")):
        raise CellError(str(TOO_FINE))
    return quantize(value)


_DAY = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[T ].*)?")


def day(text: str) -> date:
    """2026-11-20, 2026/11/20, 2026.11.20, 2026年11月20日, 20261120 (bank exports), or an Excel date."""
    value = unicodedata.normalize("NFKC", text).strip()
    found = _DAY.fullmatch(value)
    parts = found.groups() if found else ((value[:4], value[4:6], value[6:]) if re.fullmatch(r"\d{8}", value) else ())
    try:
        return date(*(int(p) for p in parts))
    except (TypeError, ValueError):
        raise CellError(str(NOT_A_DATE) % {"value": text}) from None


def currency(text: str) -> str:
    code = CURRENCY_SYNONYMS.get(text.strip().upper(), CURRENCY_SYNONYMS.get(text.strip(), text.strip().upper()))
    if code not in CURRENCIES:
        raise CellError(str(NOT_A_CURRENCY) % {"value": text})
    return code


def percent(text: str) -> Decimal:
    try:
        value = to_decimal(text.strip().rstrip("%"))
    except (TypeError, ValueError):
        raise CellError(str(NOT_AN_AMOUNT) % {"value": text}) from None
    if not (0 <= value <= 100):
        raise CellError(_("Between 0 and 100 %."))
    return value


def split_numbers(text: str) -> list[str]:
    """Invoice numbers as finance types them: separated by commas, semicolons or spaces."""
    return [n for n in re.split(r"[,，;；、\s]+", text or "") if n]


def _accounts() -> dict[str, Account]:
    table: dict[str, Account] = {}
    for account in Account.objects.order_by("pk"):
        table.setdefault(account.name_key or text_key(account.name), account)
    return table


def _customer_lookup() -> dict[str, Callable[[str], Any]]:
    return {"account": Lookup(_accounts, ACCOUNT_MESSAGE)}  # fresh per file


def finance_or_admin(actor: Any) -> bool:
    profile = profile_for(actor)
    return bool(profile and (profile.finance or profile.sees_all))


def _require_actor(actor: Any) -> None:
    if not getattr(actor, "pk", None):
        raise NotAllowed(str(IMPORT_AS_FINANCE), code=services.FINANCE_ONLY)


@contextmanager
def _row(number: int) -> Iterator[None]:
    """A service's refusal names the row it came from."""
    try:
        yield
    except DomainError as exc:
        message = _("Row %(row)d: %(why)s") % {"row": number, "why": exc.message}
        raise type(exc)(message, code=exc.code, fields=exc.fields) from exc


def _invoices_numbered(numbers: set[str]) -> dict[str, Invoice]:
    """Invoices (not credit notes) by their number in capitals: numbers are compared without case."""
    found = Invoice.objects.annotate(upper=Upper("number")).filter(upper__in={n.upper() for n in numbers})
    return {str(i.number).upper(): i for i in found.select_related("account").filter(kind=Invoice.Kind.INVOICE)}


def _recorded_already(rows: list[dict[str, Any]], *, by_account: bool) -> list[tuple[int, str]]:
    """Rows that look like a payment recorded already: the same day, amount and reference, from the same customer
    (or payer, on a statement)."""
    days = {row["received_on"] for row in rows}
    stored: dict[tuple[Any, ...], Payment] = {}
    for payment in Payment.objects.filter(received_on__in=days, reversal_of__isnull=True).order_by("-pk"):
        who = payment.account_id if by_account else text_key(payment.payer)
        stored[(payment.received_on, payment.amount, payment.reference.strip(), who)] = payment
    found = []
    for index, row in enumerate(rows):
        who = row["account"].pk if by_account else text_key(row["payer"])
        match = stored.get((row["received_on"], row["amount"], row.get("reference", "").strip(), who))
        if match is not None:
            found.append((index, _("payment #%(id)d of %(day)s") % {"id": match.pk, "day": match.received_on}))
    return found


# --- historical invoices ---------------------------------------------------------------------------------------


def _check_invoice(row: dict[str, Any]) -> dict[str, str]:
    issued, due = row.get("issued_on"), row.get("due_on")
    if issued and issued > timezone.localdate():
        return {"issued_on": str(IN_THE_FUTURE)}
    if issued and due and due < issued:
        return {"due_on": str(DUE_BEFORE_ISSUE)}
    return {}


def _check_invoices(rows: list[dict[str, Any]]) -> list[tuple[int, str, str]]:
    stored = _numbers_taken({row["number"] for row in rows})
    seen: dict[str, int] = {}
    problems = []
    for index, row in enumerate(rows):
        key = row["number"].upper()
        if key in stored:
            problems.append((index, "number", str(NUMBER_EXISTS) % {"number": stored[key]}))
        elif key in seen:
            problems.append((index, "number", str(NUMBER_REPEATED) % {"row": seen[key] + 2}))
        seen.setdefault(key, index)
    return problems


def _numbers_taken(numbers: set[str]) -> dict[str, str]:
    """Numbers of any invoice or credit note, in capitals, as stored."""
    found = Invoice.objects.annotate(upper=Upper("number")).filter(upper__in={n.upper() for n in numbers})
    return {str(number).upper(): str(number) for number in found.values_list("number", flat=True)}


def _write_invoices(rows: list[dict[str, Any]], actor: Any) -> dict[str, Any]:
    _require_actor(actor)
    made = []
    for number, row in enumerate(rows, start=2):
        with _row(number):
            invoice = services.invoice_record_historical(
                actor=actor,
                account=row["account"],
                number=row["number"],
                issued_on=row["issued_on"],
                due_on=row.get("due_on"),
                amount=row["amount"],
                currency=row.get("currency"),
                tax_rate=row.get("tax_rate", 0),
                description=row.get("description", ""),
            )
        made.append(invoice)
    return {"created": len(made), "duplicates": 0, "ids": [i.pk for i in made]}


HISTORICAL_INVOICE_IMPORT = ImportSpec(
    kind="historical_invoices",
    label=gettext_lazy("historical invoices"),
    list_url_name="receivables:invoice_list",
    columns=(
        Column("account", gettext_lazy("Customer"), str.strip, required=True, aliases=CUSTOMER_ALIASES),
        Column(
            "number",
            gettext_lazy("Invoice number"),
            limited(40),
            required=True,
            aliases=("发票号", "发票号码", "发票编号", "invoice", "invoice_number", "invoice no", "number"),
        ),
        Column(
            "issued_on", gettext_lazy("Issued on"), day, required=True, aliases=("开票日期", "发票日期", "issue date")
        ),
        Column("due_on", gettext_lazy("Due on"), day, aliases=("到期日", "到期日期", "应收日期", "due date")),
        Column(
            "amount", gettext_lazy("Amount"), money, required=True, aliases=("金额", "价税合计", "发票金额", "total")
        ),
        Column("currency", gettext_lazy("Currency"), currency, aliases=("币种",)),
        Column("tax_rate", gettext_lazy("Tax rate (%)"), percent, aliases=("税率",)),
        Column("description", gettext_lazy("Description"), limited(300), aliases=("摘要", "项目", "内容", "货物名称")),
    ),
    write=_write_invoices,
    check_row=_check_invoice,
    check_rows=_check_invoices,
    lookups=_customer_lookup,
    allowed=finance_or_admin,
)


# --- historical payments ---------------------------------------------------------------------------------------


def _check_payment(row: dict[str, Any]) -> dict[str, str]:
    if row.get("received_on") and row["received_on"] > timezone.localdate():
        return {"received_on": str(NOT_ARRIVED)}
    return {}


def _check_payments(rows: list[dict[str, Any]]) -> list[tuple[int, str, str]]:
    invoices = _invoices_numbered({row["invoice"] for row in rows if row.get("invoice")})
    owed = {invoice.pk: invoice.open_balance for invoice in invoices.values()}
    problems = []
    for index, row in enumerate(rows):
        number = row.get("invoice")
        if not number:
            continue
        invoice = invoices.get(number.upper())
        if invoice is None:
            problem = str(NO_SUCH_INVOICE) % {"number": number}
        elif invoice.account_id != row["account"].pk:
            problem = str(OTHER_CUSTOMERS) % {"number": invoice.number, "account": invoice.account.name}
        elif invoice.status not in OPEN:
            status = str(InvoiceStatus(invoice.status).label).lower()
            problem = str(NOT_OPEN) % {"number": invoice.number, "status": status}
        elif row.get("currency") and row["currency"] != invoice.currency:
            problem = str(OTHER_CURRENCY) % {"number": invoice.number, "currency": invoice.currency}
        elif row["amount"] > owed[invoice.pk]:
            problem = str(MORE_THAN_OWED) % {
                "number": invoice.number,
                "open": format_money(owed[invoice.pk], invoice.currency),
            }
        else:
            owed[invoice.pk] -= row["amount"]
            continue
        problems.append((index, "invoice", problem))
    return problems


def _write_payments(rows: list[dict[str, Any]], actor: Any) -> dict[str, Any]:
    _require_actor(actor)
    invoices = _invoices_numbered({row["invoice"] for row in rows if row.get("invoice")})
    duplicates = len(_recorded_already(rows, by_account=True))
    made = []
    for number, row in enumerate(rows, start=2):
        invoice = invoices.get(row["invoice"].upper()) if row.get("invoice") else None
        with _row(number):
            payment = services.payment_record(
                actor=actor,
                account=row["account"],
                payer=row.get("payer") or row["account"].name,
                received_on=row["received_on"],
                amount=row["amount"],
                currency=row.get("currency") or (invoice.currency if invoice else None),
                method=row.get("method") or Method.TRANSFER,
                reference=row.get("reference", ""),
                allocations=[(invoice, row["amount"])] if invoice else None,
                historical=True,
            )
        made.append(payment)
    return {"created": len(made), "duplicates": duplicates, "ids": [p.pk for p in made]}


HISTORICAL_PAYMENT_IMPORT = ImportSpec(
    kind="historical_payments",
    label=gettext_lazy("historical payments"),
    list_url_name="receivables:payment_list",
    columns=(
        Column("account", gettext_lazy("Customer"), str.strip, required=True, aliases=CUSTOMER_ALIASES),
        Column(
            "received_on", gettext_lazy("Received on"), day, required=True, aliases=("到账日期", "收款日期", "日期")
        ),
        Column("amount", gettext_lazy("Amount"), money, required=True, aliases=("金额", "收款金额", "到账金额")),
        Column("reference", gettext_lazy("Reference"), limited(200), aliases=("摘要", "附言", "用途", "流水号")),
        Column(
            "invoice",
            gettext_lazy("Invoice number"),
            limited(40),
            aliases=("发票号", "发票号码", "核销发票", "invoice", "invoice_number"),
        ),
        Column("payer", gettext_lazy("Payer"), limited(200), aliases=("付款人", "付款方", "付款单位")),
        Column("currency", gettext_lazy("Currency"), currency, aliases=("币种",)),
        Column(
            "method",
            gettext_lazy("Method"),
            choice(Method, METHOD_SYNONYMS),
            choices=Method,
            aliases=("方式", "收款方式", "结算方式"),
        ),
    ),
    write=_write_payments,
    check_row=_check_payment,
    check_rows=_check_payments,
    lookups=_customer_lookup,
    duplicates=lambda rows: _recorded_already(rows, by_account=True),
    allowed=finance_or_admin,
)


# --- bank statement --------------------------------------------------------------------------------------------


@dataclass
class Proposal:
    """What a statement line seems to pay: invoices, and how they were found (``reference``: their number is in
    the reference; ``payer_amount``: the payer's customer owes exactly this much on one invoice)."""

    invoices: list[Invoice] = field(default_factory=list)
    how: str = ""
    account: Account | None = None

    @property
    def numbers(self) -> str:
        return ", ".join(str(invoice.number) for invoice in self.invoices)


_TOKEN = re.compile(r"[0-9A-Za-z](?:[0-9A-Za-z_\-/.]*[0-9A-Za-z])?")


def _tokens(reference: str) -> list[str]:
    """The words of a reference that could be invoice numbers, in capitals: ``付FP2026-00012/13号`` gives
    FP2026-00012/13, FP2026-00012 and 13. Chinese text and punctuation separate them."""
    out = []
    for token in _TOKEN.findall(unicodedata.normalize("NFKC", reference or "")):
        out.append(token.upper())
        if re.search(r"[/._]", token):
            out.extend(part.upper() for part in re.split(r"[/._]+", token) if part)
    return out


def statement_proposals(rows: list[dict[str, Any]], *, skip: frozenset[int] = frozenset()) -> list[Proposal]:
    """The proposed match of each statement line (rows in file order; indexes in ``skip`` are not matched): first
    open invoices whose number is in the reference (of one customer), else the one open invoice of the payer's
    customer that owes exactly the line's amount (the earliest due, when several do). Lines are matched in file
    order and each match takes from what the invoices owe, so two lines never both settle the same balance."""
    tokens = [_tokens(row.get("reference", "")) for row in rows]
    numbered = _invoices_numbered({t for words in tokens for t in words})
    keys = {text_key(row["payer"]) for row in rows}
    accounts: dict[str, Account] = {}
    for named in Account.objects.filter(Q(name_key__in=keys) | Q(name_key="")).order_by("-pk"):
        accounts[named.name_key or text_key(named.name)] = named  # the oldest of a name, as lookups do
    candidates: dict[int, list[Invoice]] = defaultdict(list)
    opened = Invoice.objects.filter(account__in=list(accounts.values()), kind=Invoice.Kind.INVOICE, status__in=OPEN)
    for invoice in opened.order_by("due_on", "issued_on", "pk"):
        candidates[invoice.account_id].append(invoice)
    owed = {i.pk: i.open_balance for i in [*numbered.values(), *(i for group in candidates.values() for i in group)]}
    proposals = []
    for index, row in enumerate(rows):
        if index in skip:
            proposals.append(Proposal())
            continue
        account = accounts.get(text_key(row["payer"]))
        found = _by_reference(tokens[index], numbered, owed, account)
        if found:
            proposal = Proposal(found, "reference", found[0].account)
        else:
            currency_ = row.get("currency") or settings.DEFAULT_CURRENCY
            exact = [
                i
                for i in candidates.get(account.pk if account else 0, [])
                if owed[i.pk] == row["amount"] and i.currency == currency_
            ]
            proposal = Proposal(exact[:1], "payer_amount" if exact else "", account)
        left = row["amount"]
        for invoice in proposal.invoices:
            share = min(left, owed[invoice.pk])
            owed[invoice.pk] -= share
            left -= share
        proposals.append(proposal)
    return proposals


def _by_reference(
    words: list[str], numbered: dict[str, Invoice], owed: dict[int, Decimal], account: Account | None
) -> list[Invoice]:
    found: list[Invoice] = []
    for word in words:
        invoice = numbered.get(word)
        if invoice is not None and invoice.status in OPEN and owed[invoice.pk] > 0 and invoice not in found:
            found.append(invoice)
    customers = {invoice.account_id for invoice in found}
    if len(customers) > 1:  # numbers of several customers: the payer's, if it is one of them; else nobody's
        found = [invoice for invoice in found if account is not None and invoice.account_id == account.pk]
    return found


@dataclass
class StatementLine:
    row: int  # as the spreadsheet numbers it: the header is row 1
    values: dict[str, Any]
    proposal: Proposal
    payment_id: int | None = None  # confirmed: the payment it became

    @property
    def currency(self) -> str:
        return str(self.values.get("currency") or settings.DEFAULT_CURRENCY)


def statement_lines(batch: Any) -> tuple[list[StatementLine], list[Any]]:
    """The lines of an uploaded bank statement with their proposed matches (confirmed lines with their payment),
    and the importer's row errors (a statement with errors proposes nothing)."""
    from ltc import imports

    preview = imports.batch_preview(batch)
    if not preview.ok:
        return [], preview.errors
    confirmed = {int(row): pk for row, pk in (batch.result or {}).get("confirmed", {}).items()}
    skip = frozenset(row - 2 for row in confirmed)
    proposals = statement_proposals(preview.rows, skip=skip)
    lines = [
        StatementLine(index + 2, row, proposal, confirmed.get(index + 2))
        for index, (row, proposal) in enumerate(zip(preview.rows, proposals, strict=True))
    ]
    return lines, []


def _check_line(row: dict[str, Any]) -> dict[str, str]:
    if row.get("received_on") and row["received_on"] > timezone.localdate():
        return {"received_on": str(NOT_ARRIVED)}
    return {}


def _write_statement(rows: list[dict[str, Any]], actor: Any) -> dict[str, Any]:
    # The importer commits a whole file at once; a statement is confirmed line by line on its page.
    raise DomainError(str(CONFIRM_LINES), code=CONFIRM_ON_PAGE)


STATEMENT_IMPORT = ImportSpec(
    kind=STATEMENT_KIND,
    label=gettext_lazy("bank statement lines"),
    list_url_name="receivables:statement_list",
    columns=(
        Column(
            "received_on",
            gettext_lazy("Date"),
            day,
            required=True,
            aliases=("交易日期", "入账日期", "记账日期", "到账日期", "日期", "date"),
        ),
        Column(
            "payer",
            gettext_lazy("Payer"),
            limited(200),
            required=True,
            aliases=("付款人", "付款方", "付款人名称", "对方户名", "对方账户名称", "对方单位", "payer"),
        ),
        Column(
            "amount",
            gettext_lazy("Amount"),
            money,
            required=True,
            aliases=("金额", "收入金额", "贷方金额", "贷方发生额", "入账金额", "amount"),
        ),
        Column(
            "reference",
            gettext_lazy("Reference"),
            limited(200),
            aliases=("摘要", "附言", "用途", "备注", "交易附言", "reference"),
        ),
        Column("currency", gettext_lazy("Currency"), currency, aliases=("币种",)),
    ),
    write=_write_statement,
    check_row=_check_line,
    duplicates=lambda rows: _recorded_already(rows, by_account=False),
    allowed=finance_or_admin,
)
