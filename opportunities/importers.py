"""How files become products and deals, through the shared importer (page and ``ltc_import``).

A deal file brings deals where they stand: the stage named in the file (through a value map when the
source system names its stages otherwise), its dates and value, its owner. Gates govern moves made in the
product; an import records history, so it passes none. Rules for what a file leaves out:
- no value on an open deal: the product's list price (one unit), else zero;
- no start date: the day of the import;
- a won or lost deal needs its close date (reported otherwise): it is when the deal closed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import pgtrigger
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.models import Account
from ltc.audit import acting_as
from ltc.errors import DomainError
from ltc.importer import CellError, Column, ImportSpec, Lookup, limited
from ltc.money import CURRENCY_CHOICES, to_decimal
from ltc.text import text_key
from opportunities.models import Category, Opportunity, Pipeline, Product, Stage, StageChange
from org.models import Role, User
from org.selectors import home_team_id

BATCH_SIZE = 1000
ANALYZE_AFTER = 5000  # rows imported at once


def money(text: str) -> Decimal:
    try:
        value = to_decimal(text)
    except (TypeError, ValueError):
        raise CellError(_("“%(value)s” is not an amount.") % {"value": text}) from None
    if value < 0:
        raise CellError(_("An amount cannot be negative."))
    return value.quantize(Decimal("0.01"))


def percent(text: str) -> Decimal:
    value = money(text.rstrip("%"))
    if value > 100:
        raise CellError(_("Between 0 and 100 %."))
    return value


def day(text: str) -> date:
    """2016-10-20, 2016/10/20 or an Excel date (read as 2016-10-20T00:00:00)."""
    try:
        return date.fromisoformat(text.strip()[:10].replace("/", "-"))
    except ValueError:
        raise CellError(_("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": text}) from None


def currency(text: str) -> str:
    code = text.strip().upper()
    if code not in dict(CURRENCY_CHOICES):
        raise CellError(_("“%(value)s” is not a currency we keep.") % {"value": text})
    return code


def _products() -> dict[str, Product]:
    table: dict[str, Product] = {}
    for product in Product.objects.order_by("pk"):
        for name in (product.code, product.name):
            table.setdefault(text_key(name), product)
    return table


def _accounts() -> dict[str, Account]:
    table: dict[str, Account] = {}
    for account in Account.objects.order_by("pk"):
        table.setdefault(text_key(account.name), account)
    return table


def _sellers() -> dict[str, User]:
    table: dict[str, User] = {}
    sellers = User.objects.filter(is_active=True, memberships__role__in=[Role.REP, Role.MANAGER]).distinct()
    for user in sellers.order_by("pk"):
        for name in (user.display_name, user.username):
            if name:
                table.setdefault(text_key(name), user)
    return table


def _stages() -> dict[str, Stage]:
    """The default pipeline's stages by Chinese and English name."""
    pipeline = Pipeline.objects.filter(is_default=True).first()
    table: dict[str, Stage] = {}
    for stage in Stage.objects.filter(pipeline=pipeline):
        for name in (stage.name, stage.name_en):
            if name:
                table[text_key(name)] = stage
    return table


def _refs() -> dict[str, int]:
    return dict(Opportunity.objects.exclude(external_ref="").values_list("external_ref", "pk"))


# --- products ---------------------------------------------------------------------------------------------


def _product_duplicates(rows: list[dict[str, Any]]) -> list[tuple[int, str]]:
    existing = set(Product.objects.values_list("code", flat=True))
    return [(index, _("product %(code)s") % {"code": row["code"]}) for index, row in enumerate(rows)
            if row["code"] in existing]  # fmt: skip


def _check_products(rows: list[dict[str, Any]]) -> list[tuple[int, str, str]]:
    existing = set(Product.objects.values_list("code", flat=True))
    seen: dict[str, int] = {}
    problems = []
    for index, row in enumerate(rows):
        if row["code"] in existing:
            problems.append((index, "code", _("A product with this code exists already.")))
        elif row["code"] in seen:
            problems.append((index, "code", _("The same code is on row %(row)d.") % {"row": seen[row["code"]] + 2}))
        seen.setdefault(row["code"], index)
    return problems


def _write_products(rows: list[dict[str, Any]], actor: Any) -> dict[str, Any]:
    products = [
        Product(
            code=row["code"],
            name=row.get("name") or row["code"],
            unit=row.get("unit") or "套",
            list_price=row.get("list_price", Decimal("0.00")),
            currency=row.get("currency") or Product._meta.get_field("currency").get_default(),
            tax_rate=row.get("tax_rate", Decimal("13.00")),
        )
        for row in rows
    ]
    with acting_as(actor):
        Product.objects.bulk_create(products)
    return {"created": len(products), "duplicates": 0, "ids": [p.pk for p in products]}


PRODUCT_IMPORT = ImportSpec(
    kind="products",
    label=gettext_lazy("products"),
    columns=(
        Column("code", gettext_lazy("Code"), limited(40), required=True, aliases=("编码", "产品编码", "product")),
        Column("name", gettext_lazy("Name"), limited(200), aliases=("名称", "产品名称")),
        Column("unit", gettext_lazy("Unit"), limited(20), aliases=("单位",)),
        Column("list_price", gettext_lazy("List price"), money, aliases=("价格", "目录价", "sales_price")),
        Column("currency", gettext_lazy("Currency"), currency, aliases=("币种",)),
        Column("tax_rate", gettext_lazy("Tax rate (%)"), percent, aliases=("税率",)),
    ),
    write=_write_products,
    check_rows=_check_products,
    allowed=lambda actor: bool(getattr(actor, "is_superuser", False)),
)


# --- deals ------------------------------------------------------------------------------------------------


def _deal_lookups() -> dict[str, Callable[[str], Any]]:
    return {
        "account": Lookup(_accounts, gettext_lazy("No account is called “%(value)s”.")),
        "owner": Lookup(_sellers, gettext_lazy("“%(value)s” is not an active sales rep or manager.")),
        "product": Lookup(_products, gettext_lazy("No product is called “%(value)s”.")),
        "stage": Lookup(_stages, gettext_lazy("No stage is called “%(value)s”.")),
    }


def _check_deal(row: dict[str, Any]) -> dict[str, str]:
    stage = row.get("stage")
    if stage is not None and stage.category != Category.OPEN and not row.get("close_date"):
        return {"close_date": _("A won or lost deal needs the date it closed.")}
    if row.get("close_date") and row.get("created_on") and row["close_date"] < row["created_on"]:
        return {"close_date": _("It closes before it starts.")}
    return {}


def _check_deals(rows: list[dict[str, Any]]) -> list[tuple[int, str, str]]:
    stored = _refs()
    seen: dict[str, int] = {}
    problems = []
    for index, row in enumerate(rows):
        ref = row.get("external_ref")
        if not ref:
            continue
        if ref in stored:
            problems.append((index, "external_ref", _("Imported already as deal #%(id)d.") % {"id": stored[ref]}))
        elif ref in seen:
            problems.append(
                (index, "external_ref", _("The same reference is on row %(row)d.") % {"row": seen[ref] + 2})
            )
        seen.setdefault(ref, index)
    return problems


def _at(day_: date | None, fallback: datetime) -> datetime:
    if day_ is None:
        return fallback
    return timezone.make_aware(datetime.combine(day_, time(9, 0)))


def _write_deals(rows: list[dict[str, Any]], actor: Any) -> dict[str, Any]:
    now = timezone.now()
    teams: dict[int, int | None] = {}
    firsts: dict[int, Stage] = {}
    deals, histories = [], []
    for row in rows:
        owner = row.get("owner") or (actor if getattr(actor, "pk", None) else None)
        if owner is None:
            raise DomainError(_("Map an owner column, or import as a person (--as)."), code="import_owner_required")
        if owner.pk not in teams:
            teams[owner.pk] = home_team_id(owner)
        stage: Stage = row["stage"]
        if stage.pipeline_id not in firsts:
            firsts[stage.pipeline_id] = stage.pipeline.stages.filter(category=Category.OPEN).order_by("order")[0]
        account, product = row["account"], row.get("product")
        started = _at(row.get("created_on"), now)
        closed = _at(row["close_date"], now) if stage.category != Category.OPEN and row.get("close_date") else None
        amount = row.get("amount")
        if amount is None:
            amount = product.list_price if product is not None and stage.category == Category.OPEN else Decimal("0.00")
        deal = Opportunity(
            name=(row.get("name") or (f"{account.name} · {product.name}" if product else account.name))[:200],
            account=account,
            amount=amount,
            currency=row.get("currency") or (product.currency if product else Opportunity().currency),
            expected_close_date=row.get("close_date"),
            owner=owner,
            team_id=teams[owner.pk],
            pipeline_id=stage.pipeline_id,
            stage=stage,
            probability=stage.probability,
            stage_entered_at=closed or started,
            closed_at=closed,
            external_ref=row.get("external_ref", ""),
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        deals.append(deal)
        first = firsts[stage.pipeline_id]
        steps = [(None, first, started), (first, stage, closed)] if closed else [(None, stage, started)]
        histories.append((deal, steps))
    with acting_as(actor):
        Opportunity.objects.bulk_create(deals, batch_size=BATCH_SIZE)
        changes = [
            StageChange(opportunity=deal, from_stage=before, to_stage=after, at=at, actor=None)
            for deal, steps in histories
            for before, after, at in steps
        ]
        StageChange.objects.bulk_create(changes, batch_size=BATCH_SIZE)
        # created when the deal started in the source system, not at the moment of the import: one statement,
        # part of the creation (no update event of its own)
        with pgtrigger.ignore("opportunities.Opportunity:update_update"), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE opportunities_opportunity o SET created_at = v.at"
                " FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(id, at) WHERE o.id = v.id",
                [[deal.pk for deal, _steps in histories], [steps[0][2] for _deal, steps in histories]],
            )
    if len(deals) >= ANALYZE_AFTER:
        with connection.cursor() as cursor:  # fresh statistics at once: the board's and lists' plans need them
            cursor.execute("ANALYZE opportunities_opportunity, opportunities_stagechange")
    return {"created": len(deals), "duplicates": 0, "ids": [d.pk for d in deals]}


OPPORTUNITY_IMPORT = ImportSpec(
    kind="opportunities",
    label=gettext_lazy("opportunities"),
    list_url_name="opportunities:opportunity_list",
    columns=(
        Column("external_ref", gettext_lazy("Reference"), limited(64), aliases=("编号", "opportunity_id", "id")),
        Column("name", gettext_lazy("Name"), limited(200), aliases=("商机名称", "名称")),
        Column("account", gettext_lazy("Account"), str.strip, required=True, aliases=("客户", "客户名称", "company")),
        Column("owner", gettext_lazy("Owner"), str.strip, aliases=("负责人", "销售", "sales_agent")),
        Column("product", gettext_lazy("Product"), str.strip, aliases=("产品",)),
        Column("stage", gettext_lazy("Stage"), str.strip, required=True, aliases=("阶段", "deal_stage")),
        Column("created_on", gettext_lazy("Started"), day, aliases=("开始日期", "engage_date")),
        Column("close_date", gettext_lazy("Close date"), day, aliases=("成交日期", "预计成交日期", "close_date")),
        Column("amount", gettext_lazy("Amount"), money, aliases=("金额", "close_value")),
        Column("currency", gettext_lazy("Currency"), currency, aliases=("币种",)),
    ),
    write=_write_deals,
    check_row=_check_deal,
    check_rows=_check_deals,
    lookups=_deal_lookups,
)
