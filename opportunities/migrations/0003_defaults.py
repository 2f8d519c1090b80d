"""The default pipeline with its gates, and the lost reasons: data an administrator may change."""

from django.db import migrations
from django.utils import timezone

# (name, English, probability, category, [(requirement, English, kind, verified by, only for sizes)])
STAGES = [
    ("商机确认", "Qualification", 10, "open", []),
    ("需求分析", "Needs analysis", 25, "open", [
        ("已确认决策人", "Decision maker known", "mandatory", "decision_maker", []),
        ("预算已确认", "Budget confirmed", "mandatory", "manual", []),
    ]),
    ("方案建议", "Solution / proposal", 50, "open", [
        ("已指定解决方案负责人", "Solution lead on the deal", "mandatory", "presales", []),
        ("需求调研纪要已共享", "Requirements write-up shared", "guidance", "manual", []),
    ]),
    ("商务谈判", "Negotiation", 75, "open", [
        ("报价已发送", "Quote sent", "mandatory", "quote_sent", []),
        ("金额已填写", "Amount set", "mandatory", "amount", []),
        ("已指定交付负责人", "Delivery lead on the deal", "mandatory", "delivery", ["large", "enterprise"]),
        ("已指定交付负责人", "Delivery lead on the deal", "guidance", "delivery", ["micro", "small", "medium"]),
    ]),
    ("赢单", "Won", 100, "won", [
        ("报价已被客户接受", "Quote accepted by the customer", "mandatory", "quote_accepted", []),
    ]),
    ("输单", "Lost", 0, "lost", []),
]  # fmt: skip

LOST_REASONS = [
    ("价格过高", "Price too high"),
    ("输给竞争对手", "Lost to a competitor"),
    ("没有预算", "No budget"),
    ("需求变化", "Needs changed"),
    ("项目取消", "Project cancelled"),
    ("联系不上决策人", "Could not reach the decision maker"),
    ("其他", "Other"),
]


def install(apps, schema_editor):
    Pipeline = apps.get_model("opportunities", "Pipeline")
    Stage = apps.get_model("opportunities", "Stage")
    Requirement = apps.get_model("opportunities", "Requirement")
    LostReason = apps.get_model("opportunities", "LostReason")
    Opportunity = apps.get_model("opportunities", "Opportunity")
    if Pipeline.objects.exists():
        return
    pipeline = Pipeline.objects.create(name="标准销售流程", name_en="Standard sales process", is_default=True)
    first = None
    for order, (name, name_en, probability, category, requirements) in enumerate(STAGES, start=1):
        stage = Stage.objects.create(
            pipeline=pipeline, name=name, name_en=name_en, order=order, probability=probability, category=category
        )
        first = first or stage
        for number, (label, label_en, kind, check, sizes) in enumerate(requirements, start=1):
            Requirement.objects.create(
                stage=stage, name=label, name_en=label_en, kind=kind, verified_by=check, segments=sizes, order=number
            )
    for name, name_en in LOST_REASONS:
        LostReason.objects.create(name=name, name_en=name_en)
    StageChange = apps.get_model("opportunities", "StageChange")
    now = timezone.now()
    for opportunity in Opportunity.objects.filter(stage__isnull=True):
        opportunity.pipeline, opportunity.stage, opportunity.probability = pipeline, first, first.probability
        opportunity.stage_entered_at = opportunity.created_at
        opportunity.save(update_fields=["pipeline", "stage", "probability", "stage_entered_at"])
        StageChange.objects.create(opportunity=opportunity, to_stage=first, at=opportunity.created_at or now)


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0002_pipeline_gates_triangle")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
