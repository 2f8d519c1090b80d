"""Demo leads: three months of them across sources, campaigns, grades and regions, in every status.

Older leads come in as an import does (one bulk write: graded, duplicates flagged), routed the way the
assignment rules in force route them (the grade's rep levels, same region first, least loaded; D to
automated nurturing), then their later life (first contact, qualification, disqualification, nurturing) is
written as it would have been, dated in the past. The last two weeks' leads go through capture itself
(assignment rules, cadence touches as tasks) and some of their touches are done through the activity
service, so every stage of a cadence shows: touches done, due today, overdue, and first contacts overdue.

Deterministic (a seeded generator) and idempotent: it does nothing once its campaigns exist.
"""

from __future__ import annotations

import csv
import random
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pgtrigger
from django.apps import apps
from django.db.models import Count, F, OuterRef, Subquery
from django.utils import timezone

from activities.models import Activity
from activities.services import activity_complete
from customers.normalise import text_key
from leads import grading
from leads.importers import write_leads
from leads.models import OPEN_STATUSES, Assignment, AssignmentRule, Campaign, GradeChange, Lead, Source, Status
from leads.services import (
    lead_create,
    lead_disqualify,
    lead_nurture,
    lead_qualify,
    lead_setting_save,
    rubric_active,
)
from ltc.audit import acting_as
from org.models import Membership, Region, Role, User

SEED = 20261125
OLD_LEADS = 2600
RECENT_LEADS = 360
DEMO_CAP = 600
MAVEN_ACCOUNTS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "maven-crm" / "accounts.csv"

# (name, source code, cost in yuan, starts days ago, lasts days)
CAMPAIGNS = [
    ("2026 上海工博会", "trade_show", "186000.00", 80, 5),
    ("百度搜索推广 Q4", "advertising", "64500.00", 60, 60),
    ("公众号白皮书下载", "wechat", "12800.00", 45, 45),
    ("渠道伙伴季度推荐计划", "partner", "50000.00", 90, 90),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁沈"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "涛", "明", "超", "霞", "平", "刚", "建华", "建国",
         "志强", "晓东", "海燕", "红梅", "晨", "悦", "子涵", "浩然"]  # fmt: skip
TITLES = ["采购经理", "IT总监", "总经理", "运营副总裁", "财务经理", "生产经理", "信息化负责人", "CTO", ""]
CITIES: dict[str, list[str]] = {
    Region.EAST: ["上海", "杭州", "苏州", "南京", "宁波", "合肥"],
    Region.SOUTH: ["深圳", "广州", "东莞", "厦门", "佛山"],
    Region.NORTH: ["北京", "天津", "济南", "青岛", "石家庄"],
    Region.WEST: ["成都", "重庆", "西安", "昆明"],
}
INDUSTRIES = ["智能制造", "软件", "医疗器械", "新能源", "物流", "电子商务", "食品饮料", "机械制造", "教育", "金融"]
SUFFIXES = ["科技有限公司", "智能制造有限公司", "实业有限公司", "信息技术有限公司", "股份有限公司", "集团有限公司"]
WORDS = ["申远", "云帆", "金桥", "恒达", "华创", "博远", "瑞丰", "天成", "汇通", "鼎新", "星辰", "海纳", "中联", "盛世",
         "明德", "嘉禾", "宏图", "远景", "东方", "智源"]  # fmt: skip
DISQUALIFY_REASONS = ["无预算", "已选择竞争对手", "需求不匹配", "联系不上", "重复录入", "学生/个人咨询"]


def _international_companies() -> list[tuple[str, str]]:
    """Company names and sectors from the shared public data set (sector typos and all), when present."""
    try:
        with MAVEN_ACCOUNTS.open(encoding="utf-8") as file:
            return [(row["account"], row["sector"]) for row in csv.DictReader(file) if row.get("account")]
    except OSError:
        return [("Acme Corporation", "technolgy"), ("Rhine Precision GmbH", "machinery")]


class _People:
    """The demo company's sales manager, who captures and imports the leads."""

    def __init__(self) -> None:
        self.manager = (
            User.objects.filter(username="director").first() or User.objects.filter(is_superuser=True).first()
        )


class _Router:
    """The assignment rules in force, applied to an import's rows in the order the leads came in, as capture
    applies them one by one (leads.services.eligible_reps): active reps of the grade's levels under the cap,
    same region first, the least loaded (or longest waiting) first; a nurturing rule assigns nobody."""

    def __init__(self) -> None:
        self.rules = {rule.grade: rule for rule in AssignmentRule.objects.all()}
        self.reps = list(User.objects.filter(memberships__role=Role.REP, is_active=True).distinct().order_by("pk"))
        open_leads = dict(
            Lead.objects.filter(status__in=OPEN_STATUSES, owner__isnull=False)
            .values_list("owner")
            .annotate(n=Count("pk"))
            .order_by()
        )
        self.load = {rep.pk: open_leads.get(rep.pk, 0) for rep in self.reps}
        self.last = {rep.pk: 0 for rep in self.reps}  # never assigned first, as NULLS FIRST does
        self.turn = 0

    def owner(self, grade: str, region: str) -> User | None:
        rule = self.rules.get(grade)
        if rule is None or rule.nurture:
            return None
        reps = [r for r in self.reps if r.rep_level in rule.levels and self.load[r.pk] < rule.open_lead_cap]
        reps = [r for r in reps if region and r.region == region] or reps
        if not reps:
            return None
        if rule.strategy == AssignmentRule.Strategy.LEAST_LOADED:
            rep = min(reps, key=lambda r: (self.load[r.pk], self.last[r.pk], r.pk))
        else:
            rep = min(reps, key=lambda r: (self.last[r.pk], r.pk))
        self.turn += 1
        self.load[rep.pk] += 1
        self.last[rep.pk] = self.turn
        return rep


def _person(rng: random.Random, region: str, international: list[tuple[str, str]]) -> dict[str, str]:
    if region == Region.INTERNATIONAL:
        company, sector = rng.choice(international)
        first = rng.choice(["Laura", "James", "Wei Ming", "Anna", "Oliver", "Priya", "Lukas", "Sofia"])
        last = rng.choice(["Bennett", "Tan", "Schmidt", "Kumar", "Rossi", "Clarke", "Novak"])
        return {
            "name": f"{first} {last}",
            "company": company,
            "industry": sector,
            "city": "",
            "phone": f"+{rng.choice(['1', '44', '49', '65'])} {rng.randrange(200, 999)} {rng.randrange(1000, 9999)}",
            "email": f"{first.split()[0].lower()}.{last.lower()}@{re.sub(r'[^a-z0-9]', '', text_key(company))}.example",
        }
    name = rng.choice(SURNAMES) + rng.choice(GIVEN)
    company = rng.choice(CITIES[region]) + rng.choice(WORDS) + rng.choice(SUFFIXES)
    phone = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
    phone = rng.choice([phone, f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}", f"{phone[:3]} {phone[3:7]} {phone[7:]}"])
    return {
        "name": name,
        "company": company,
        "industry": rng.choice(INDUSTRIES),
        "city": company[:2],
        "phone": phone,
        "email": rng.choice(
            [
                "",
                f"{rng.randrange(10**8)}@qq.com",
                f"{rng.choice(['sales', 'info', 'zhang', 'li', 'wang', 'chen'])}{rng.randrange(10**6)}@163.com",
            ]
        ),
    }


def _grading(rng: random.Random) -> dict[str, str]:
    return {
        "size": rng.choice(["micro", "small", "medium", "medium", "large", "enterprise", ""]),
        "intent": rng.choice(["high", "medium", "medium", "low", ""]),
        "budget": rng.choice(["confirmed", "planned", "planned", "none", ""]),
        "timeline": rng.choice(["1m", "3m", "3m", "6m", "later", ""]),
    }


def _campaigns(today: date) -> dict[str, Campaign]:
    sources = {s.code: s for s in Source.objects.all()}
    made = {}
    with acting_as(None):
        for name, code, cost, ago, days in CAMPAIGNS:
            made[code] = Campaign.objects.create(
                name=name,
                source=sources[code],
                cost=Decimal(cost),
                starts_on=today - timedelta(days=ago),
                ends_on=today - timedelta(days=ago) + timedelta(days=days),
            )
    return made


def _region(rng: random.Random) -> str:
    return rng.choices(
        [Region.EAST, Region.SOUTH, Region.NORTH, Region.WEST, Region.INTERNATIONAL], weights=[40, 22, 20, 8, 10]
    )[0]


def _old_leads(rng: random.Random, people: _People, campaigns: dict[str, Campaign], international: list) -> int:
    """Leads from 15 to 90 days ago, written as an import writes them, routed by the rules, then their later
    life, dated."""
    now = timezone.now()
    sources = list(Source.objects.filter(active=True))
    rubric = rubric_active()
    grade = grading.Grader(rubric.rules, rubric.thresholds)  # the importer grades with the same rubric
    router = _Router()
    rows: list[dict[str, Any]] = []
    for _number in range(OLD_LEADS):
        region = _region(rng)
        source = rng.choice(sources)
        campaign = campaigns.get(source.code) if rng.random() < 0.6 else None
        rows.append(
            {
                **_person(rng, region, international),
                **_grading(rng),
                "title": rng.choice(TITLES),
                "region": "" if region == Region.WEST and rng.random() < 0.3 else region,
                "source": source,
                "campaign": campaign,
                "created_at": now - timedelta(days=rng.uniform(15, 90)),
            }
        )
    for _copy in range(12):  # people who filled the form twice
        again = dict(rng.choice(rows))
        again["created_at"] = again["created_at"] + timedelta(days=rng.uniform(1, 10))
        rows.append(again)
    rows.sort(key=lambda row: row["created_at"])
    for row in rows:
        inputs = {f: row.get(f, "") for f in ("size", "industry", "intent", "budget", "timeline", "region")}
        row["owner"] = router.owner(grade({**inputs, "source": row["source"].code}).grade, row["region"])
    ids = write_leads(rows, people.manager)["ids"]
    _routed(ids, rows, router, people)
    # Their later life. Written with the history trigger set aside: these are backdated facts, not edits.
    plan: dict[str, list[int]] = {"contacted": [], "qualified": [], "disqualified": [], "nurturing": []}
    for pk, row in zip(ids, rows, strict=True):
        roll = rng.random()
        if row["owner"] is None:  # in automated nurturing: it stays there, or a manager closes it
            plan["disqualified" if roll < 0.15 else "nurturing"].append(pk)
            continue
        grade_hint = row["intent"] == "low" or row["budget"] == "none"
        if roll < 0.38:
            plan["contacted"].append(pk)
        elif roll < 0.53:
            plan["qualified"].append(pk)
        elif roll < 0.72 or (grade_hint and roll < 0.8):
            plan["disqualified"].append(pk)
        elif roll < 0.93:
            plan["nurturing"].append(pk)
        # the rest are still new: the leads nobody called, which the overdue filter finds
    with pgtrigger.ignore("leads.Lead:update_update"):
        touched = plan["contacted"] + plan["qualified"] + plan["disqualified"]
        Lead.objects.filter(pk__in=touched).update(
            first_contacted_at=F("created_at") + timedelta(hours=rng.randint(3, 40))
        )
        Lead.objects.filter(pk__in=plan["contacted"]).update(status=Status.CONTACTED)
        Lead.objects.filter(pk__in=plan["qualified"]).update(status=Status.QUALIFIED)
        Lead.objects.filter(pk__in=plan["nurturing"]).update(status=Status.NURTURING)
        for reason in DISQUALIFY_REASONS:
            chunk = plan["disqualified"][DISQUALIFY_REASONS.index(reason) :: len(DISQUALIFY_REASONS)]
            Lead.objects.filter(pk__in=chunk).update(status=Status.DISQUALIFIED, disqualify_reason=reason)
    return len(ids)


def _routed(ids: list[int], rows: list[dict[str, Any]], router: _Router, people: _People) -> None:
    """The import recorded its owners as assigned by hand, today: record them as the rules' work, on the day
    each lead came in, and the leads the nurturing rule took as sent to nurturing."""
    nurture = {grade: rule for grade, rule in router.rules.items() if rule.nurture}
    for grade, rule in router.rules.items():
        Assignment.objects.filter(lead_id__in=ids, lead__grade=grade).update(
            how=Assignment.How.RULE, rule=rule, reason=""
        )
    nurtured = list(Lead.objects.filter(pk__in=ids, owner__isnull=True, grade__in=nurture).values_list("pk", "grade"))
    Assignment.objects.bulk_create(
        Assignment(lead_id=pk, how=Assignment.How.NURTURE, rule=nurture[grade], actor=people.manager)
        for pk, grade in nurtured
    )
    came_in = Subquery(Lead.objects.filter(pk=OuterRef("lead_id")).values("created_at")[:1])
    Assignment.objects.filter(lead_id__in=ids).update(created_at=came_in)
    GradeChange.objects.filter(lead_id__in=ids).update(created_at=came_in)
    lead_events = apps.get_model("leads", "LeadEvent")
    lead_events.objects.filter(pgh_obj_id__in=ids).update(pgh_created_at=F("created_at"))


def _backdate(lead: Lead, age: timedelta) -> None:
    """Move a lead just captured ``age`` into the past: the lead, its assignment, grade, cadence touches and
    their audit events alike, so that its history reads as it would have happened."""
    lead_events = apps.get_model("leads", "LeadEvent")  # pghistory's event models are made at start-up
    activity_events = apps.get_model("activities", "ActivityEvent")
    earlier = {"created_at": F("created_at") - age}
    due = {"first_contact_due_at": F("first_contact_due_at") - age}
    activities = Activity.objects.filter(target_type__model="lead", target_id=lead.pk)
    with pgtrigger.ignore("leads.Lead:update_update", "activities.Activity:update_update"):
        Lead.objects.filter(pk=lead.pk).update(**earlier, **due, updated_at=F("updated_at") - age)
        lead_events.objects.filter(pgh_obj_id=lead.pk).update(
            **earlier, **due, updated_at=F("updated_at") - age, pgh_created_at=F("pgh_created_at") - age
        )
        Assignment.objects.filter(lead=lead).update(**earlier)
        GradeChange.objects.filter(lead=lead).update(**earlier)
        activity_events.objects.filter(pgh_obj_id__in=activities.values("pk")).update(
            **earlier, due_at=F("due_at") - age, pgh_created_at=F("pgh_created_at") - age
        )
        activities.update(**earlier, due_at=F("due_at") - age)


_EVENTS = ("leads.LeadEvent", "activities.ActivityEvent")


def _last_events() -> tuple[int, int]:
    """The newest audit event ids (the database stamps events with its transaction's start, not the hour)."""
    return tuple(
        apps.get_model(model).objects.order_by("-pgh_id").values_list("pgh_id", flat=True).first() or 0
        for model in _EVENTS
    )  # type: ignore[return-value]


def _events_at(lead: Lead, activity: Activity, *, after: tuple[int, int], at: Any) -> None:
    """Date the audit events of a touch done in the past at the time it was done."""
    for model, pk, last in zip(_EVENTS, (lead.pk, activity.pk), after, strict=True):
        apps.get_model(model).objects.filter(pgh_obj_id=pk, pgh_id__gt=last).update(pgh_created_at=at)


def _recent_leads(rng: random.Random, people: _People, campaigns: dict[str, Campaign], international: list) -> int:
    """The last two weeks, captured through the service (rules, deadlines, cadences), then worked."""
    sources = list(Source.objects.filter(active=True))
    now = timezone.now()
    created = 0
    for _number in range(RECENT_LEADS):
        region = _region(rng)
        source = rng.choice(sources)
        person = _person(rng, region, international)
        fields: dict[str, Any] = {**person, **_grading(rng), "title": rng.choice(TITLES), "region": region}
        lead = lead_create(
            actor=people.manager,
            name=fields.pop("name"),
            source=source,
            campaign=campaigns.get(source.code) if rng.random() < 0.5 else None,
            **fields,
        )
        created += 1
        _backdate(lead, timedelta(days=rng.uniform(0, 14)))
        # work it: the touches whose day has come are done by most reps, not all
        due = Activity.objects.filter(
            target_id=lead.pk, origin__startswith="cadence:", due_at__lte=now, done_at__isnull=True
        ).order_by("due_at", "pk")
        for activity in due:
            planned_for = activity.due_at or now
            if rng.random() < 0.75:
                done_at = max(
                    min(planned_for + timedelta(hours=rng.uniform(-20, 6)), now), planned_for - timedelta(days=1)
                )
                mark = _last_events()
                activity_complete(
                    actor=activity.assignee,
                    activity=activity,
                    outcome=rng.choice(
                        ["有兴趣，约了演示", "发了资料", "未接通，改天再打", "需求明确，待报价", "客户在比价"]
                    ),
                    done_at=done_at,
                )
                _events_at(lead, activity, after=mark, at=done_at)
            else:
                break
        lead.refresh_from_db()
        roll = rng.random()
        if lead.status == Status.CONTACTED and roll < 0.35:
            lead_qualify(actor=lead.owner or people.manager, lead=lead)
        elif lead.status == Status.CONTACTED and roll < 0.45:
            lead_disqualify(actor=lead.owner or people.manager, lead=lead, reason=rng.choice(DISQUALIFY_REASONS))
        elif lead.status == Status.NEW and lead.grade == "D" and roll < 0.5 and lead.owner_id:
            lead_nurture(actor=lead.owner, lead=lead)
    return created


def load() -> int:
    if Campaign.objects.filter(name=CAMPAIGNS[0][0]).exists():
        return 0
    rng = random.Random(SEED)  # noqa: S311 - demo data, not secrets
    people = _People()
    if people.manager is None or not Membership.objects.filter(role=Role.REP).exists():
        return 0
    # The demo company's reps carry a few hundred open leads each (three months' worth): its administrator
    # set the caps above that, so the rules keep routing by region.
    for rule in AssignmentRule.objects.all():
        rule.open_lead_cap = DEMO_CAP
        lead_setting_save(actor=None, setting=rule)
    campaigns = _campaigns(timezone.localdate())
    international = _international_companies()
    created = len(campaigns)
    created += _old_leads(rng, people, campaigns, international)
    created += _recent_leads(rng, people, campaigns, international)
    return created
