import pytest

from leads.grading import DEFAULT_RULES, DEFAULT_THRESHOLDS, evaluate, grade_for, rubric_errors


def test_a_hot_lead_scores_every_matching_rule_with_its_label():
    inputs = {"size": "enterprise", "industry": " 软件 ", "intent": "high", "budget": "confirmed", "timeline": "1m"}

    result = evaluate(inputs, DEFAULT_RULES, DEFAULT_THRESHOLDS)

    assert (result.score, result.grade) == (100, "A")
    assert [(e["label"], e["points"]) for e in result.explanation] == [
        ("公司规模 500 人以上", 20),
        ("目标行业", 15),
        ("意向强烈", 25),
        ("预算已确认", 20),
        ("一个月内采购", 20),
    ]
    assert result.explanation[3]["label_en"] == "Budget confirmed"


@pytest.mark.parametrize(
    ("inputs", "score", "grade"),
    [
        ({"size": "medium", "intent": "high", "budget": "planned"}, 45, "B"),
        ({"size": "medium", "intent": "medium", "timeline": "3m"}, 30, "C"),
        ({"industry": "Software", "intent": "medium"}, 25, "C"),
        ({"intent": "low", "budget": "none"}, 0, "D"),
        ({}, 0, "D"),
        ({"size": "large", "intent": "high", "budget": "confirmed", "timeline": "3m"}, 75, "A"),
    ],
)
def test_scores_and_grades(inputs, score, grade):
    result = evaluate(inputs, DEFAULT_RULES, DEFAULT_THRESHOLDS)

    assert (result.score, result.grade) == (score, grade)


def test_thresholds_are_inclusive():
    assert [grade_for(s, {"A": 70, "B": 45, "C": 20}) for s in (70, 69, 45, 44, 20, 19)] == [
        "A",
        "B",
        "B",
        "C",
        "C",
        "D",
    ]


def test_the_default_rubric_parses():
    assert rubric_errors(DEFAULT_RULES, DEFAULT_THRESHOLDS) == []


def test_a_rubric_that_does_not_parse_lists_every_problem():
    rules = [
        {"field": "mood", "op": "eq", "value": "x", "points": 5, "label": "?"},
        {"field": "size", "op": "like", "value": "large", "points": 5, "label": "big"},
        {"field": "size", "op": "eq", "value": "huge", "points": 5, "label": "big"},
        {"field": "budget", "op": "in", "value": [], "points": 5, "label": "b"},
        {"field": "intent", "op": "eq", "value": "high", "points": 2.5, "label": ""},
        "not a rule",
    ]

    assert rubric_errors(rules, {"A": 10, "B": 20, "C": 5}) == [
        "rule 1: unknown field 'mood' (one of size, industry, intent, budget, timeline, region, source)",
        "rule 2: unknown op 'like' (one of eq, in, present)",
        "rule 3: 'huge' is not a value of size (micro, small, medium, large, enterprise)",
        "rule 4: in needs a non-empty list of texts",
        "rule 5: points must be a whole number between -1000 and 1000",
        "rule 5: a label is needed to explain the points",
        "rule 6: not an object",
        "thresholds must fall from A to B to C",
    ]
    assert rubric_errors([], {}) == ["rules must be a non-empty list"]
