"""The default hand-off package (交接): what sales supplies and what the delivery lead confirms."""

from django.db import migrations

ITEMS = [
    ("签署的合同扫描件", "Signed contract scan", "sales"),
    ("客户联系人与关键干系人清单", "Customer contacts and key stakeholders", "sales"),
    ("需求与方案文档", "Requirements and solution documents", "sales"),
    ("交付范围与验收标准已理解", "Delivery scope and acceptance criteria understood", "delivery"),
    ("资源与排期已落实", "Resources and schedule in place", "delivery"),
]


def install(apps, schema_editor):
    HandoffItem = apps.get_model("contracts", "HandoffItem")
    if not HandoffItem.objects.exists():
        for order, (name, name_en, side) in enumerate(ITEMS, start=1):
            HandoffItem.objects.create(name=name, name_en=name_en, side=side, order=order)


class Migration(migrations.Migration):
    dependencies = [("contracts", "0003_orders_handoff")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
