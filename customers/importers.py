"""How files become accounts and contacts; and the cell parsers that every customer-facing import shares
(choices by value, label or synonym; checked phones and emails; lengths; names looked up once per file)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.models import Account, CompanySize, Contact
from customers.normalise import clean_email, clean_phone, text_key
from customers.selectors import account_list_visible_to
from customers.services import account_values, contact_values
from ltc.audit import acting_as
from ltc.errors import DomainError
from ltc.importer import CellError, Column, ImportSpec, Lookup, choice, limited, validated
from org.models import Region, Role, User

BATCH_SIZE = 1000
# Words people put in spreadsheets for company sizes, beyond the values and their labels.
SIZE_SYNONYMS = {
    "微型": "micro",
    "小型": "small",
    "中型": "medium",
    "大型": "large",
    "超大型": "enterprise",
    "集团": "enterprise",
}
NO_OWNER = "import_owner_required"
NOT_YOURS = "import_account_not_visible"


def sales_people() -> dict[str, User]:
    """Active reps and managers, by login and by the name people know them by."""
    people = User.objects.filter(is_active=True, memberships__role__in=[Role.REP, Role.MANAGER]).distinct()
    table: dict[str, User] = {}
    for user in people:
        for name in (user.display_name, user.username):
            if name:
                table.setdefault(text_key(name), user)
    return table


def _accounts() -> dict[str, Account]:
    table: dict[str, Account] = {}
    for account in Account.objects.select_related("owner").order_by("pk"):
        table.setdefault(text_key(account.name), account)
    return table


OWNER_MESSAGE = gettext_lazy("“%(value)s” is not an active sales rep or manager.")
ACCOUNT_MESSAGE = gettext_lazy("No account is called “%(value)s”.")


# --- accounts -------------------------------------------------------------------------------------------


def _account_columns() -> tuple[Column, ...]:
    return (
        Column(
            "name",
            gettext_lazy("Company name"),
            limited(200),
            required=True,
            aliases=("公司", "公司名称", "客户名称", "company"),
        ),
        Column("industry", gettext_lazy("Industry"), limited(100), aliases=("行业",)),
        Column(
            "size",
            gettext_lazy("Company size"),
            choice(CompanySize, SIZE_SYNONYMS),
            choices=CompanySize,
            aliases=("规模", "公司规模"),
        ),
        Column("region", gettext_lazy("Region"), choice(Region), choices=Region, aliases=("区域", "大区")),
        Column("city", gettext_lazy("City"), limited(100), aliases=("城市",)),
        Column("website", gettext_lazy("Website"), limited(200), aliases=("网站", "官网")),
        Column("owner", gettext_lazy("Owner"), Lookup(sales_people, OWNER_MESSAGE), aliases=("负责人", "销售")),
        Column("employees", gettext_lazy("Employees"), whole_number, aliases=("员工数", "人数")),
    )


def whole_number(text: str) -> int:
    try:
        value = int(text.replace(",", "").strip())
    except ValueError:
        raise CellError(_("“%(value)s” is not a whole number.") % {"value": text}) from None
    if value < 0:
        raise CellError(_("“%(value)s” is not a whole number.") % {"value": text})
    return value


def size_for(employees: int) -> str:
    """Company size from a head count, when a file gives the number instead of the size."""
    for limit, size in ((20, CompanySize.MICRO), (100, CompanySize.SMALL), (500, CompanySize.MEDIUM),
                        (2000, CompanySize.LARGE)):  # fmt: skip
        if employees < limit:
            return str(size)
    return str(CompanySize.ENTERPRISE)


def _account_duplicates(rows: list[dict[str, Any]]) -> list[tuple[int, str]]:
    keys = [account_values(name=row["name"])["name_key"] for row in rows]
    stored = {a.name_key: a for a in Account.objects.filter(name_key__in=set(keys)).order_by("-pk")}
    first: dict[str, int] = {}
    found = []
    for index, key in enumerate(keys):
        if key in stored:
            found.append((index, _("account #%(id)d %(name)s") % {"id": stored[key].pk, "name": stored[key].name}))
        elif key in first:
            found.append((index, _("row %(row)d of this file") % {"row": first[key] + 2}))
        first.setdefault(key, index)
    return found


def _owner(row: dict[str, Any], actor: Any, number: int) -> Any:
    owner = row.get("owner") or (actor if getattr(actor, "pk", None) else None)
    if owner is None:
        raise DomainError(
            _("Row %(row)d has no owner: map an owner column, or import as a person (--as).") % {"row": number},
            code=NO_OWNER,
        )
    return owner


def _write_accounts(rows: list[dict[str, Any]], actor: Any) -> dict[str, Any]:
    duplicates = len(_account_duplicates(rows))
    accounts = [
        Account(
            owner=_owner(row, actor, number),
            **account_values(
                name=row["name"],
                industry=row.get("industry", ""),
                size=row.get("size") or (size_for(row["employees"]) if "employees" in row else ""),
                region=row.get("region", ""),
                city=row.get("city", ""),
                website=row.get("website", ""),
            ),
        )
        for number, row in enumerate(rows, start=2)
    ]
    with acting_as(actor):
        Account.objects.bulk_create(accounts, batch_size=BATCH_SIZE)
    return {"created": len(accounts), "duplicates": duplicates, "ids": [a.pk for a in accounts]}


ACCOUNT_IMPORT = ImportSpec(
    kind="accounts",
    label=gettext_lazy("accounts"),
    list_url_name="customers:account_list",
    columns=_account_columns(),
    write=_write_accounts,
    lookups=lambda: {"owner": Lookup(sales_people, OWNER_MESSAGE)},  # fresh per file: people join and leave
    duplicates=_account_duplicates,
)


# --- contacts -------------------------------------------------------------------------------------------


def _contact_columns() -> tuple[Column, ...]:
    return (
        Column("name", gettext_lazy("Name"), limited(100), required=True, aliases=("姓名", "联系人")),
        Column(
            "account",
            gettext_lazy("Account"),
            Lookup(_accounts, ACCOUNT_MESSAGE),
            required=True,
            aliases=("公司", "公司名称", "客户", "客户名称", "company"),
        ),
        Column("title", gettext_lazy("Title"), limited(100), aliases=("职务", "职位")),
        Column("phone", gettext_lazy("Phone"), validated(clean_phone), aliases=("电话", "手机", "手机号")),
        Column("email", gettext_lazy("Email"), validated(clean_email), aliases=("邮箱", "电子邮件")),
    )


def _contact_lookups() -> dict[str, Callable[[str], Any]]:
    return {"account": Lookup(_accounts, ACCOUNT_MESSAGE)}


def _contact_keys(row: dict[str, Any]) -> list[tuple[str, str]]:
    """The keys a row's contact will be stored with (customers.services.contact_values), as (kind, key)."""
    values = contact_values(
        account=row["account"], name=row["name"], phone=row.get("phone", ""), email=row.get("email", "")
    )
    keys = [(kind, values[kind]) for kind in ("phone_key", "email_key") if values[kind]]
    keys.append(("person", f"{row['account'].pk}|{values['name_key']}"))
    return keys


def _contact_duplicates(rows: list[dict[str, Any]]) -> list[tuple[int, str]]:
    all_keys = [_contact_keys(row) for row in rows]
    phones = {key for keys in all_keys for kind, key in keys if kind == "phone_key"}
    emails = {key for keys in all_keys for kind, key in keys if kind == "email_key"}
    accounts = {row["account"].pk for row in rows}
    stored: dict[tuple[str, str], Contact] = {}
    candidates = (
        Contact.objects.filter(phone_key__in=phones)
        | Contact.objects.filter(email_key__in=emails)
        | Contact.objects.filter(account_id__in=accounts)
    )
    for contact in candidates.order_by("-pk"):
        if contact.phone_key:
            stored[("phone_key", contact.phone_key)] = contact
        if contact.email_key:
            stored[("email_key", contact.email_key)] = contact
        stored[("person", f"{contact.account_id}|{contact.name_key}")] = contact
    first: dict[tuple[str, str], int] = {}
    found = []
    for index, keys in enumerate(all_keys):
        match = next((stored[k] for k in keys if k in stored), None)
        if match is not None:
            found.append((index, _("contact #%(id)d %(name)s") % {"id": match.pk, "name": match.name}))
        else:
            earlier = next((first[k] for k in keys if k in first), None)
            if earlier is not None:
                found.append((index, _("row %(row)d of this file") % {"row": earlier + 2}))
        for key in keys:
            first.setdefault(key, index)
    return found


def _write_contacts(rows: list[dict[str, Any]], actor: Any) -> dict[str, Any]:
    if getattr(actor, "pk", None):
        wanted = {row["account"].pk for row in rows}
        allowed = set(account_list_visible_to(user=actor).filter(pk__in=wanted).values_list("pk", flat=True))
        hidden = [number for number, row in enumerate(rows, start=2) if row["account"].pk not in allowed]
        if hidden:
            raise DomainError(
                _("Rows %(rows)s name accounts that are not yours; nothing was imported.")
                % {"rows": ", ".join(map(str, hidden[:20]))},
                code=NOT_YOURS,
            )
    duplicates = len(_contact_duplicates(rows))
    contacts = [
        Contact(
            **contact_values(
                account=row["account"],
                name=row["name"],
                title=row.get("title", ""),
                phone=row.get("phone", ""),
                email=row.get("email", ""),
            )
        )
        for row in rows
    ]
    with acting_as(actor):
        Contact.objects.bulk_create(contacts, batch_size=BATCH_SIZE)
    return {"created": len(contacts), "duplicates": duplicates, "ids": [c.pk for c in contacts]}


CONTACT_IMPORT = ImportSpec(
    kind="contacts",
    label=gettext_lazy("contacts"),
    list_url_name="customers:account_list",
    columns=_contact_columns(),
    write=_write_contacts,
    lookups=_contact_lookups,
    duplicates=_contact_duplicates,
)
