"""How files become leads: the columns the importer offers, and the bulk write with duplicate detection."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.models import CompanySize, Contact
from customers.normalise import clean_email, clean_phone, text_key
from leads.models import Assignment, Budget, Campaign, GradeChange, Intent, Lead, Source, Timeline
from leads.services import _apply_grade, _home_team_id, _keys, rubric_active
from ltc.audit import acting_as
from ltc.importer import CellError, Column, ImportSpec
from org.models import Region, Role, User

BATCH_SIZE = 2000
KEY_QUERY_CHUNK = 5000


# Words people put in spreadsheets for our values, beyond the values and their labels.
SYNONYMS: dict[str, dict[str, str]] = {
    "size": {
        "微型": "micro",
        "小型": "small",
        "中型": "medium",
        "大型": "large",
        "超大型": "enterprise",
        "集团": "enterprise",
    },
    "intent": {"高": "high", "强": "high", "中": "medium", "一般": "medium", "低": "low", "弱": "low"},
    "budget": {"已确认": "confirmed", "有预算": "confirmed", "规划中": "planned", "无": "none", "没有": "none"},
    "timeline": {"一个月内": "1m", "三个月内": "3m", "半年内": "6m", "六个月内": "6m", "不确定": "later"},
}


def _choice(choices: Any, synonyms: dict[str, str] | None = None) -> Callable[[str], str]:
    """Accept a choice by its value, its label in Chinese or English, or a common synonym (width/case folded)."""
    from django.utils import translation

    table: dict[str, str] = {}

    def parse(text: str) -> str:
        if not table:
            for value, label in choices.choices:
                table[text_key(value)] = value
                for language in ("zh-hans", "en"):
                    with translation.override(language):
                        table[text_key(str(label))] = value
            for word, value in (synonyms or {}).items():
                table[text_key(word)] = value
        found = table.get(text_key(text))
        if found is not None:
            return str(found)
        allowed = ", ".join(str(v) for v in choices.values)
        raise CellError(_("“%(value)s” is not one of: %(allowed)s") % {"value": text, "allowed": allowed})

    return parse


def _validated(check: Callable[[str], str]) -> Callable[[str], str]:
    def parse(text: str) -> str:
        try:
            check(text)
        except ValidationError as exc:
            raise CellError(str(exc.message)) from None
        return text.strip()

    return parse


def _limit(length: int) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if len(text) > length:
            raise CellError(_("At most %(limit)d characters.") % {"limit": length})
        return text

    return parse


class _Lookup:
    """Resolves names to rows once per import (a file of 100,000 rows names a handful of sources)."""

    def __init__(self, load: Callable[[], dict[str, Any]], message: str | Promise) -> None:
        self._load = load
        self._cache: dict[str, Any] | None = None
        self._message = message

    def __call__(self, text: str) -> Any:
        if self._cache is None:
            self._cache = self._load()
        found = self._cache.get(text_key(text))
        if found is None:
            raise CellError(str(self._message) % {"value": text})
        return found


def _sources() -> dict[str, Source]:
    table: dict[str, Source] = {}
    for source in Source.objects.filter(active=True):
        for name in (source.code, source.name, source.name_en):
            if name:
                table[text_key(name)] = source
    return table


def _campaigns() -> dict[str, Campaign]:
    return {text_key(c.name): c for c in Campaign.objects.all()}


def _reps() -> dict[str, User]:
    reps = User.objects.filter(is_active=True, memberships__role=Role.REP).distinct()
    return {text_key(u.username): u for u in reps}


def _columns() -> tuple[Column, ...]:
    return (
        Column("name", gettext_lazy("Name"), _limit(100), required=True, aliases=("姓名", "联系人", "contact")),
        Column("company", gettext_lazy("Company"), _limit(200), aliases=("公司", "公司名称", "单位", "account")),
        Column("title", gettext_lazy("Title"), _limit(100), aliases=("职务", "职位", "position")),
        Column("phone", gettext_lazy("Phone"), _validated(clean_phone), aliases=("电话", "手机", "手机号", "mobile")),
        Column("email", gettext_lazy("Email"), _validated(clean_email), aliases=("邮箱", "电子邮件", "e-mail")),
        Column("industry", gettext_lazy("Industry"), _limit(100), aliases=("行业", "sector")),
        Column(
            "size", gettext_lazy("Company size"), _choice(CompanySize, SYNONYMS["size"]), aliases=("规模", "公司规模")
        ),
        Column("region", gettext_lazy("Region"), _choice(Region), aliases=("区域", "大区")),
        Column("city", gettext_lazy("City"), _limit(100), aliases=("城市",)),
        Column("intent", gettext_lazy("Intent"), _choice(Intent, SYNONYMS["intent"]), aliases=("意向",)),
        Column("budget", gettext_lazy("Budget"), _choice(Budget, SYNONYMS["budget"]), aliases=("预算",)),
        Column(
            "timeline", gettext_lazy("Timeline"), _choice(Timeline, SYNONYMS["timeline"]), aliases=("采购时间", "时间")
        ),
        Column(
            "source",
            gettext_lazy("Source"),
            _Lookup(_sources, gettext_lazy("Unknown source “%(value)s”.")),
            required=True,
            aliases=("来源", "渠道", "channel"),
        ),
        Column(
            "campaign",
            gettext_lazy("Campaign"),
            _Lookup(_campaigns, gettext_lazy("Unknown campaign “%(value)s”.")),
            aliases=("活动", "市场活动"),
        ),
        Column(
            "owner",
            gettext_lazy("Owner"),
            _Lookup(_reps, gettext_lazy("“%(value)s” is not an active sales rep.")),
            aliases=("负责人", "销售", "username"),
        ),
        Column("note", gettext_lazy("Note"), aliases=("备注", "notes")),
    )


def _lookups() -> dict[str, Callable[[str], Any]]:
    return {
        "source": _Lookup(_sources, gettext_lazy("Unknown source “%(value)s”.")),
        "campaign": _Lookup(_campaigns, gettext_lazy("Unknown campaign “%(value)s”.")),
        "owner": _Lookup(_reps, gettext_lazy("“%(value)s” is not an active sales rep.")),
    }


def _check_row(row: dict[str, Any]) -> dict[str, str]:
    campaign, source = row.get("campaign"), row.get("source")
    if campaign is not None and source is not None and campaign.source_id != source.pk:
        return {"campaign": _("The campaign belongs to another source.")}
    return {}


def _build(rows: list[dict[str, Any]], actor: Any) -> list[Lead]:
    team_id = _home_team_id(actor) if getattr(actor, "pk", None) else None
    leads = []
    for row in rows:
        lead = Lead(**row, created_by=actor if getattr(actor, "pk", None) else None)
        lead.team_id = _home_team_id(lead.owner) if lead.owner else team_id
        _keys(lead)
        leads.append(lead)
    return leads


def _stored_matches(leads: list[Lead]) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]:
    """For each key of these leads: the first stored lead, and contact, that has it."""
    lead_match: dict[tuple[str, str], int] = {}
    contact_match: dict[tuple[str, str], int] = {}
    for kind in ("email_key", "phone_key", "person_key"):
        keys = sorted({getattr(lead, kind) for lead in leads} - {""})
        for start in range(0, len(keys), KEY_QUERY_CHUNK):
            chunk = keys[start : start + KEY_QUERY_CHUNK]
            for key, pk in Lead.objects.filter(**{f"{kind}__in": chunk}).order_by("-pk").values_list(kind, "pk"):
                lead_match[(kind, key)] = pk  # descending: the earliest wins
            if kind != "person_key":
                for key, pk in Contact.objects.filter(**{f"{kind}__in": chunk}).order_by("-pk").values_list(kind, "pk"):
                    contact_match[(kind, key)] = pk
    return lead_match, contact_match


def _link_duplicates(leads: list[Lead]) -> list[tuple[int, str]]:
    """Flag each lead that repeats a stored lead, a contact, or an earlier row; returns what each matched."""
    lead_match, contact_match = _stored_matches(leads)
    first_row: dict[tuple[str, str], int] = {}
    found: list[tuple[int, str]] = []
    for index, lead in enumerate(leads):
        keys = [(kind, getattr(lead, kind)) for kind in ("email_key", "phone_key", "person_key") if getattr(lead, kind)]
        stored = next((lead_match[k] for k in keys if k in lead_match), None)
        contact = next((contact_match[k] for k in keys if k in contact_match), None)
        earlier = next((first_row[k] for k in keys if k in first_row), None)
        if stored is not None:
            lead.duplicate_of_id = stored
            found.append((index, _("lead #%(id)d") % {"id": stored}))
        elif earlier is not None:
            lead._duplicate_row = earlier  # type: ignore[attr-defined]
            found.append((index, _("row %(row)d of this file") % {"row": earlier + 2}))
        if contact is not None:
            lead.duplicate_contact_id = contact
            if stored is None and earlier is None:
                found.append((index, _("contact #%(id)d") % {"id": contact}))
        for key in keys:
            first_row.setdefault(key, index)
    return found


def _duplicates(rows: list[dict[str, Any]]) -> list[tuple[int, str]]:
    return _link_duplicates(_build(rows, None))


def _write(rows: list[dict[str, Any]], actor: Any) -> dict[str, Any]:
    """Bulk-create the leads: graded by the rubric in force, duplicates flagged, owners recorded."""
    rubric = rubric_active()
    leads = _build(rows, actor)
    duplicates = _link_duplicates(leads)
    history = [change for lead in leads if (change := _apply_grade(lead, rubric)) is not None]
    with acting_as(actor):
        Lead.objects.bulk_create(leads, batch_size=BATCH_SIZE)
        for change in history:
            change.lead_id = change.lead.pk
        GradeChange.objects.bulk_create(history, batch_size=BATCH_SIZE)
        later = [lead for lead in leads if hasattr(lead, "_duplicate_row")]
        for lead in later:
            lead.duplicate_of_id = leads[lead._duplicate_row].pk  # type: ignore[attr-defined]
        Lead.objects.bulk_update(later, ["duplicate_of"], batch_size=BATCH_SIZE)
        Assignment.objects.bulk_create(
            [
                Assignment(lead=lead, to_user=lead.owner, how=Assignment.How.MANUAL, actor=actor, reason=_("imported"))
                for lead in leads
                if lead.owner_id
            ],
            batch_size=BATCH_SIZE,
        )
    return {"created": len(leads), "duplicates": len(duplicates), "ids": [lead.pk for lead in leads]}


LEAD_IMPORT = ImportSpec(
    kind="leads",
    label=gettext_lazy("leads"),
    columns=_columns(),
    write=_write,
    check_row=_check_row,
    lookups=_lookups,
    duplicates=_duplicates,
)
