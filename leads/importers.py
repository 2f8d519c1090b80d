"""How files become leads: the columns the importer offers, and the bulk write with duplicate detection."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.importers import SIZE_SYNONYMS
from customers.models import CompanySize, Contact
from customers.normalise import clean_email, clean_phone, email_key, phone_key, text_key
from leads import grading
from leads.models import (
    Assignment,
    AssignmentRule,
    Budget,
    Campaign,
    GradeChange,
    Intent,
    Lead,
    Source,
    Status,
    Timeline,
)
from leads.services import rubric_active
from ltc.audit import acting_as
from ltc.bulk import copy_insert, reserve_ids
from ltc.importer import Column, ImportSpec, Lookup, choice, limited, validated
from org.models import Region, Role, User
from org.selectors import home_team_id

BATCH_SIZE = 2000
ANALYZE_AFTER = 10_000  # rows imported at once
KEY_QUERY_CHUNK = 5000


# Words people put in spreadsheets for our values, beyond the values and their labels.
SYNONYMS: dict[str, dict[str, str]] = {
    "size": SIZE_SYNONYMS,
    "intent": {"高": "high", "强": "high", "中": "medium", "一般": "medium", "低": "low", "弱": "low"},
    "budget": {"已确认": "confirmed", "有预算": "confirmed", "规划中": "planned", "无": "none", "没有": "none"},
    "timeline": {"一个月内": "1m", "三个月内": "3m", "半年内": "6m", "六个月内": "6m", "不确定": "later"},
}


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
        Column("name", gettext_lazy("Name"), limited(100), required=True, aliases=("姓名", "联系人", "contact")),
        Column("company", gettext_lazy("Company"), limited(200), aliases=("公司", "公司名称", "单位", "account")),
        Column("title", gettext_lazy("Title"), limited(100), aliases=("职务", "职位", "position")),
        Column("phone", gettext_lazy("Phone"), validated(clean_phone), aliases=("电话", "手机", "手机号", "mobile")),
        Column("email", gettext_lazy("Email"), validated(clean_email), aliases=("邮箱", "电子邮件", "e-mail")),
        Column("industry", gettext_lazy("Industry"), limited(100), aliases=("行业", "sector")),
        Column(
            "size",
            gettext_lazy("Company size"),
            choice(CompanySize, SYNONYMS["size"]),
            choices=CompanySize,
            aliases=("规模", "公司规模"),
        ),
        Column("region", gettext_lazy("Region"), choice(Region), choices=Region, aliases=("区域", "大区")),
        Column("city", gettext_lazy("City"), limited(100), aliases=("城市",)),
        Column("intent", gettext_lazy("Intent"), choice(Intent, SYNONYMS["intent"]), choices=Intent, aliases=("意向",)),
        Column("budget", gettext_lazy("Budget"), choice(Budget, SYNONYMS["budget"]), choices=Budget, aliases=("预算",)),
        Column(
            "timeline",
            gettext_lazy("Timeline"),
            choice(Timeline, SYNONYMS["timeline"]),
            choices=Timeline,
            aliases=("采购时间", "时间"),
        ),
        Column(
            "source",
            gettext_lazy("Source"),
            Lookup(_sources, gettext_lazy("Unknown source “%(value)s”.")),
            required=True,
            aliases=("来源", "渠道", "channel"),
        ),
        Column(
            "campaign",
            gettext_lazy("Campaign"),
            Lookup(_campaigns, gettext_lazy("Unknown campaign “%(value)s”.")),
            aliases=("活动", "市场活动"),
        ),
        Column(
            "owner",
            gettext_lazy("Owner"),
            Lookup(_reps, gettext_lazy("“%(value)s” is not an active sales rep.")),
            aliases=("负责人", "销售", "username"),
        ),
        Column("note", gettext_lazy("Note"), aliases=("备注", "notes")),
    )


def _lookups() -> dict[str, Callable[[str], Any]]:
    return {
        "source": Lookup(_sources, gettext_lazy("Unknown source “%(value)s”.")),
        "campaign": Lookup(_campaigns, gettext_lazy("Unknown campaign “%(value)s”.")),
        "owner": Lookup(_reps, gettext_lazy("“%(value)s” is not an active sales rep.")),
    }


def _check_row(row: dict[str, Any]) -> dict[str, str]:
    campaign, source = row.get("campaign"), row.get("source")
    if campaign is not None and source is not None and campaign.source_id != source.pk:
        return {"campaign": _("The campaign belongs to another source.")}
    return {}


def _row_keys(row: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The duplicate keys of an imported row, as (kind, key) pairs (the same keys as leads.services._keys)."""
    keys = []
    if row.get("email"):
        keys.append(("email_key", email_key(row["email"])))
    if row.get("phone"):
        keys.append(("phone_key", phone_key(row["phone"])))
    if row.get("company"):
        keys.append(("person_key", f"{text_key(row['company'])}|{text_key(row['name'])}"))
    return tuple(keys)


def _first_with(model: Any, column: str, keys: list[str]) -> list[tuple[str, int]]:
    """(key, the lowest id having it) for the keys present: one indexed query with an array parameter."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column}, MIN(id) FROM {table} WHERE {column} = ANY(%s) GROUP BY {column}",  # noqa: S608 - names from code
            [keys],
        )
        return cursor.fetchall()


def _stored_matches(
    all_keys: list[tuple[tuple[str, str], ...]],
) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]:
    """For each key: the first stored lead, and contact, that has it."""
    lead_match: dict[tuple[str, str], int] = {}
    contact_match: dict[tuple[str, str], int] = {}
    for kind in ("email_key", "phone_key", "person_key"):
        keys = sorted({key for row_keys in all_keys for k, key in row_keys if k == kind})
        for start in range(0, len(keys), KEY_QUERY_CHUNK):
            chunk = keys[start : start + KEY_QUERY_CHUNK]
            for key, pk in _first_with(Lead, kind, chunk):
                lead_match[(kind, key)] = pk
            if kind != "person_key":
                for key, pk in _first_with(Contact, kind, chunk):
                    contact_match[(kind, key)] = pk
    return lead_match, contact_match


@dataclass(frozen=True)
class _Match:
    lead: int | None = None  # a stored lead
    row: int | None = None  # an earlier row of the file (index)
    contact: int | None = None  # a stored contact


def _matches(
    rows: list[dict[str, Any]], all_keys: list[tuple[tuple[str, str], ...]] | None = None
) -> list[_Match | None]:
    """For each row, what it seems to repeat: a stored lead first, else an earlier row; and a contact."""
    all_keys = all_keys if all_keys is not None else [_row_keys(row) for row in rows]
    lead_match, contact_match = _stored_matches(all_keys)
    first_row: dict[tuple[str, str], int] = {}
    found: list[_Match | None] = []
    for index, keys in enumerate(all_keys):
        stored = next((lead_match[k] for k in keys if k in lead_match), None)
        earlier = None if stored is not None else next((first_row[k] for k in keys if k in first_row), None)
        contact = next((contact_match[k] for k in keys if k in contact_match), None)
        found.append(_Match(stored, earlier, contact) if stored or earlier is not None or contact else None)
        for key in keys:
            first_row.setdefault(key, index)
    return found


def _describe(match: _Match) -> str:
    if match.lead is not None:
        return _("lead #%(id)d") % {"id": match.lead}
    if match.row is not None:
        return _("row %(row)d of this file") % {"row": match.row + 2}
    return _("contact #%(id)d") % {"id": match.contact}


def _duplicates(rows: list[dict[str, Any]]) -> list[tuple[int, str]]:
    return [(index, _describe(match)) for index, match in enumerate(_matches(rows)) if match is not None]


def write_leads(rows: list[dict[str, Any]], actor: Any) -> dict[str, Any]:
    """Write the leads in one stream (COPY): graded by the rubric in force, duplicates flagged, owners recorded."""
    rubric = rubric_active()
    grade = grading.Grader(rubric.rules, rubric.thresholds)
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    team_id = home_team_id(actor) if actor_id else None
    owner_teams: dict[int, int | None] = {}
    # A lead imported with its owner gets the same first-contact deadline as one assigned by hand.
    deadline_hours = dict(AssignmentRule.objects.values_list("grade", "first_contact_hours"))
    now = timezone.now()
    imported = _("imported")
    all_keys = [_row_keys(row) for row in rows]
    matches = _matches(rows, all_keys)
    with acting_as(actor):
        ids = reserve_ids(Lead, len(rows))  # the first statement: it carries the audit context
        leads, grades, assignments = [], [], []
        for row, row_keys, match, pk in zip(rows, all_keys, matches, ids, strict=True):
            fields = dict(row)
            source, campaign, owner = fields.pop("source"), fields.pop("campaign", None), fields.pop("owner", None)
            keys = dict(row_keys)
            inputs = {f: fields.get(f, "") for f in ("size", "industry", "intent", "budget", "timeline", "region")}
            inputs["source"] = source.code
            result = grade(inputs)
            if owner is not None and owner.pk not in owner_teams:
                owner_teams[owner.pk] = home_team_id(owner)
            duplicate_of = None
            if match is not None:
                duplicate_of = (
                    match.lead if match.lead is not None else (ids[match.row] if match.row is not None else None)
                )
            leads.append(
                {
                    **fields,
                    "id": pk,
                    "source_id": source.pk,
                    "campaign_id": campaign.pk if campaign else None,
                    "owner_id": owner.pk if owner else None,
                    "team_id": owner_teams[owner.pk] if owner else team_id,
                    "score": result.score,
                    "grade": result.grade,
                    "rubric_id": rubric.pk,
                    "grade_explanation": result.explanation,
                    "status": Status.NEW,
                    "email_key": keys.get("email_key", ""),
                    "phone_key": keys.get("phone_key", ""),
                    "person_key": keys.get("person_key", ""),
                    "duplicate_of_id": duplicate_of,
                    "duplicate_contact_id": match.contact if match else None,
                    "created_by_id": actor_id,
                    "created_at": fields.get("created_at", now),
                    "first_contact_due_at": (
                        fields.get("created_at", now) + timedelta(hours=hours)
                        if owner is not None and (hours := deadline_hours.get(result.grade))
                        else None
                    ),
                }
            )
            grades.append(
                {
                    "lead_id": pk,
                    "rubric_id": rubric.pk,
                    "score": result.score,
                    "grade": result.grade,
                    "explanation": result.explanation,
                }
            )
            if owner is not None:
                assignments.append(
                    {"lead_id": pk, "to_user_id": owner.pk, "how": Assignment.How.MANUAL, "actor_id": actor_id,
                     "reason": imported}
                )  # fmt: skip
        copy_insert(Lead, leads)
        copy_insert(GradeChange, grades)
        copy_insert(Assignment, assignments)
    if len(leads) >= ANALYZE_AFTER:
        # Fresh statistics at once, not when autovacuum comes by: the lists' plans depend on them.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE leads_lead, leads_gradechange")
    return {"created": len(leads), "duplicates": sum(1 for m in matches if m is not None), "ids": ids}


LEAD_IMPORT = ImportSpec(
    kind="leads",
    label=gettext_lazy("leads"),
    list_url_name="leads:lead_list",
    columns=_columns(),
    write=write_leads,
    check_row=_check_row,
    lookups=_lookups,
    duplicates=_duplicates,
)
