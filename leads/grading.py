"""The grading standard as data: rules give points, thresholds give the grade. Pure functions, no database.

A rule is ``{"field": "budget", "op": "eq", "value": "confirmed", "points": 20, "label": "预算已确认",
"label_en": "Budget confirmed"}``. Operators: ``eq`` (equal), ``in`` (one of a list), ``present`` (not empty).
Text fields (industry) compare width- and case-folded, so "软件" and "软件 " and "ＳａａＳ"/"saas" match.
Thresholds are the least score for A, B and C (A > B > C); anything lower is D.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from customers.models import CompanySize
from customers.normalise import text_key
from leads.models import Budget, Intent, Timeline
from org.models import Region

# field → allowed values (None: free text)
FIELDS: dict[str, list[str] | None] = {
    "size": list(CompanySize.values),
    "industry": None,
    "intent": list(Intent.values),
    "budget": list(Budget.values),
    "timeline": list(Timeline.values),
    "region": list(Region.values),
    "source": None,  # the source's code
}
OPS = ("eq", "in", "present")
MAX_POINTS = 1000


@dataclass(frozen=True)
class Result:
    score: int
    grade: str
    explanation: list[dict[str, Any]]  # [{"label", "label_en", "points"}], in rule order


def rubric_errors(rules: Any, thresholds: Any) -> list[str]:
    """Every reason the rubric cannot be used, in words for the administrator; empty when it parses."""
    errors: list[str] = []
    if not isinstance(rules, list) or not rules:
        return [_("rules must be a non-empty list")]
    for number, rule in enumerate(rules, start=1):
        where = _("rule %(n)d") % {"n": number}
        if not isinstance(rule, dict):
            errors.append(_("%(where)s: not an object") % {"where": where})
            continue
        field, op, value, points = rule.get("field"), rule.get("op"), rule.get("value"), rule.get("points")
        if field not in FIELDS:
            errors.append(
                _("%(where)s: unknown field %(field)r (one of %(fields)s)")
                % {"where": where, "field": field, "fields": ", ".join(FIELDS)}
            )
            continue
        if op not in OPS:
            errors.append(
                _("%(where)s: unknown op %(op)r (one of %(ops)s)") % {"where": where, "op": op, "ops": ", ".join(OPS)}
            )
            continue
        if not isinstance(points, int) or isinstance(points, bool) or abs(points) > MAX_POINTS:
            errors.append(
                _("%(where)s: points must be a whole number between -%(max)d and %(max)d")
                % {"where": where, "max": MAX_POINTS}
            )
        if not str(rule.get("label", "")).strip():
            errors.append(_("%(where)s: a label is needed to explain the points") % {"where": where})
        allowed = FIELDS[field]
        if op == "eq":
            if not isinstance(value, str) or not value:
                errors.append(_("%(where)s: eq needs a text value") % {"where": where})
            elif allowed is not None and value not in allowed:
                errors.append(
                    _("%(where)s: %(value)r is not a value of %(field)s (%(allowed)s)")
                    % {"where": where, "value": value, "field": field, "allowed": ", ".join(allowed)}
                )
        elif op == "in":
            if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
                errors.append(_("%(where)s: in needs a non-empty list of texts") % {"where": where})
            elif allowed is not None and (unknown := [v for v in value if v not in allowed]):
                errors.append(
                    _("%(where)s: %(values)s not values of %(field)s")
                    % {"where": where, "values": ", ".join(map(repr, unknown)), "field": field}
                )
    if not isinstance(thresholds, dict) or set(thresholds) != {"A", "B", "C"}:
        errors.append(_("thresholds must give the least score for A, B and C"))
    elif not all(isinstance(v, int) and not isinstance(v, bool) for v in thresholds.values()):
        errors.append(_("thresholds must be whole numbers"))
    elif not thresholds["A"] > thresholds["B"] > thresholds["C"]:
        errors.append(_("thresholds must fall from A to B to C"))
    return errors


class Grader:
    """A rubric made ready to score many leads: values folded once, not per lead."""

    def __init__(self, rules: list[dict[str, Any]], thresholds: Mapping[str, int]) -> None:
        self.thresholds = thresholds
        self.rules = []
        for rule in rules:
            field, op, value = rule["field"], rule["op"], rule.get("value")
            free_text = FIELDS[field] is None
            values = list(value or []) if op == "in" else [str(value)]
            accepted = frozenset(text_key(v) if free_text else v for v in values)
            explained = {
                "label": rule["label"],
                "label_en": rule.get("label_en") or rule["label"],
                "points": rule["points"],
            }
            self.rules.append((field, op == "present", free_text, accepted, rule["points"], explained))

    def __call__(self, inputs: Mapping[str, str]) -> Result:
        explanation = []
        score = 0
        folded: dict[str, str] = {}
        for field, present, free_text, accepted, points, explained in self.rules:
            actual = inputs.get(field, "") or ""
            if present:
                matched = bool(actual.strip())
            elif free_text:
                if field not in folded:
                    folded[field] = text_key(actual)
                matched = folded[field] in accepted
            else:
                matched = actual in accepted
            if matched:
                score += points
                explanation.append(dict(explained))
        return Result(score=score, grade=grade_for(score, self.thresholds), explanation=explanation)


def grade_for(score: int, thresholds: Mapping[str, int]) -> str:
    for grade in ("A", "B", "C"):
        if score >= thresholds[grade]:
            return grade
    return "D"


def evaluate(inputs: Mapping[str, str], rules: list[dict[str, Any]], thresholds: Mapping[str, int]) -> Result:
    """Score ``inputs`` (field → value) by the rules; every rule that matched is in the explanation."""
    return Grader(rules, thresholds)(inputs)


# Version 1 of the standard, installed by a migration; administrators add versions from there.
DEFAULT_RULES: list[dict[str, Any]] = [
    {
        "field": "size",
        "op": "in",
        "value": ["large", "enterprise"],
        "points": 20,
        "label": "公司规模 500 人以上",
        "label_en": "Company of 500+ people",
    },
    {
        "field": "size",
        "op": "eq",
        "value": "medium",
        "points": 10,
        "label": "公司规模 100–499 人",
        "label_en": "Company of 100–499 people",
    },
    {
        "field": "industry",
        "op": "in",
        "value": [
            "智能制造",
            "机械制造",
            "电子制造",
            "软件",
            "医疗器械",
            "新能源",
            "manufacturing",
            "software",
            "technology",
        ],
        "points": 15,
        "label": "目标行业",
        "label_en": "Target industry",
    },
    {"field": "intent", "op": "eq", "value": "high", "points": 25, "label": "意向强烈", "label_en": "High intent"},
    {
        "field": "intent",
        "op": "eq",
        "value": "medium",
        "points": 10,
        "label": "有一定意向",
        "label_en": "Medium intent",
    },
    {
        "field": "budget",
        "op": "eq",
        "value": "confirmed",
        "points": 20,
        "label": "预算已确认",
        "label_en": "Budget confirmed",
    },
    {
        "field": "budget",
        "op": "eq",
        "value": "planned",
        "points": 10,
        "label": "预算在规划中",
        "label_en": "Budget planned",
    },
    {
        "field": "timeline",
        "op": "eq",
        "value": "1m",
        "points": 20,
        "label": "一个月内采购",
        "label_en": "Buying within a month",
    },
    {
        "field": "timeline",
        "op": "eq",
        "value": "3m",
        "points": 10,
        "label": "三个月内采购",
        "label_en": "Buying within three months",
    },
]
DEFAULT_THRESHOLDS = {"A": 70, "B": 45, "C": 20}
