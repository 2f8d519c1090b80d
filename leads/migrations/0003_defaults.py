"""The defaults a new company starts with: rubric v1, assignment rules and cadences per grade, lead sources."""

from django.db import migrations

SOURCES = [
    ("website", "官网表单", "Website form"),
    ("trade_show", "展会", "Trade show"),
    ("referral", "客户推荐", "Referral"),
    ("cold_call", "电话开发", "Cold call"),
    ("partner", "渠道伙伴", "Partner"),
    ("advertising", "线上广告", "Online advertising"),
    ("wechat", "微信公众号", "WeChat"),
]

# grade: (rep levels, nurture, first contact hours)
RULES = {
    "A": (["senior"], False, 24),
    "B": (["regular", "senior"], False, 48),
    "C": (["junior", "regular"], False, 72),
    "D": ([], True, None),
}

CADENCES = {
    "A": ("A 级跟进（重点客户）", False, [
        (0, "call", "首次电话沟通"), (1, "email", "发送方案资料"), (3, "meeting", "上门拜访，需求调研"), (7, "call", "跟进确认需求与预算"),
    ]),
    "B": ("B 级跟进", False, [(0, "call", "首次电话沟通"), (2, "email", "发送产品资料"), (5, "meeting", "线上演示"), (10, "call", "跟进意向")]),
    "C": ("C 级跟进", False, [(0, "call", "首次电话沟通"), (3, "email", "发送产品资料"), (10, "call", "再次跟进")]),
    "D": ("D 级自动培育", True, [(0, "email", "欢迎邮件"), (14, "email", "行业案例分享"), (30, "email", "产品更新")]),
}


def install(apps, schema_editor):
    from leads.grading import DEFAULT_RULES, DEFAULT_THRESHOLDS

    Rubric = apps.get_model("leads", "Rubric")
    AssignmentRule = apps.get_model("leads", "AssignmentRule")
    Cadence = apps.get_model("leads", "Cadence")
    Source = apps.get_model("leads", "Source")
    if not Rubric.objects.exists():
        Rubric.objects.create(version=1, rules=DEFAULT_RULES, thresholds=DEFAULT_THRESHOLDS, active=True, note="默认分级标准")
    for grade, (levels, nurture, hours) in RULES.items():
        AssignmentRule.objects.get_or_create(
            grade=grade, defaults={"levels": levels, "nurture": nurture, "first_contact_hours": hours}
        )
    for grade, (name, automated, steps) in CADENCES.items():
        Cadence.objects.get_or_create(
            grade=grade,
            defaults={
                "name": name,
                "automated": automated,
                "steps": [{"day": day, "kind": kind, "subject": subject} for day, kind, subject in steps],
            },
        )
    for code, name, name_en in SOURCES:
        Source.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en})


class Migration(migrations.Migration):
    dependencies = [("leads", "0002_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
