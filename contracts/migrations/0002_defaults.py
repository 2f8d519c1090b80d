"""The default contract review checklist and approval order: data an administrator may change."""

from django.db import migrations

REVIEW = [
    ("范围与交付物已明确", "Scope and deliverables defined"),
    ("验收标准已明确", "Acceptance criteria defined"),
    ("付款条款与回款计划已核对", "Payment terms and plan checked"),
    ("法务条款已审阅", "Legal terms reviewed"),
]
STEPS = [("销售经理审批", "Sales manager approval", "sales_manager"), ("财务审批", "Finance approval", "finance")]


def install(apps, schema_editor):
    ReviewItem = apps.get_model("contracts", "ReviewItem")
    ApprovalStep = apps.get_model("contracts", "ApprovalStep")
    if not ReviewItem.objects.exists():
        for order, (name, name_en) in enumerate(REVIEW, start=1):
            ReviewItem.objects.create(name=name, name_en=name_en, order=order)
    if not ApprovalStep.objects.exists():
        for order, (name, name_en, approver) in enumerate(STEPS, start=1):
            ApprovalStep.objects.create(name=name, name_en=name_en, order=order, approver=approver)


class Migration(migrations.Migration):
    dependencies = [("contracts", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
