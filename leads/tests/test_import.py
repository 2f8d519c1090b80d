"""Importing leads: encodings, Excel, the exact error report, all rows or none, duplicates flagged."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from leads.models import Assignment, GradeChange, Lead
from ltc import importer
from ltc.audit import record_history
from ltc.errors import DomainError

HEADERS = "姓名,公司,手机,邮箱,规模,意向,来源,负责人"
MAPPING = {
    "name": "姓名",
    "company": "公司",
    "phone": "手机",
    "email": "邮箱",
    "size": "规模",
    "intent": "意向",
    "source": "来源",
    "owner": "负责人",
}


def preview_of(data: bytes, filename: str, mapping=MAPPING):
    return importer.validate(importer.read_table(data, filename), importer.spec_for("leads"), mapping)


def gbk_file_with_errors() -> bytes:
    lines = [
        HEADERS,
        "刘建华,上海申远智能制造,138 1762 3301,liujh@shenyuan.cn,大型,高,展会,",
        "郑晓,杭州云帆,12345,zhengx@yunfan,中型,中,官网表单,",
        ",宁波海通,15888012345,,小型,低,官网表单,",
        "何明,东莞恒达,0769-2233 4455,heming@hengda.com,巨型,高,抖音,nobody",
    ]
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


def test_a_gbk_csv_with_errors_gives_the_exact_report_and_imports_nothing(sales):
    preview = preview_of(gbk_file_with_errors(), "线索.csv")

    assert [(e.row, e.column, e.reason) for e in preview.errors] == [
        (3, "手机", "“12345” is not a phone number."),
        (3, "邮箱", "“zhengx@yunfan” is not an email address."),
        (4, "姓名", "Required."),
        (5, "来源", "Unknown source “抖音”."),
        (5, "规模", "“巨型” is not one of: micro, small, medium, large, enterprise"),
        (5, "负责人", "“nobody” is not an active sales rep."),
    ]
    with pytest.raises(DomainError) as refused:
        importer.commit(preview, sales.manager)
    assert refused.value.code == "import_rows_invalid"
    assert refused.value.message == "3 rows have errors; nothing was imported. Correct the file and try again."
    assert (Lead.objects.count(), GradeChange.objects.count()) == (0, 0)


def test_the_error_report_is_a_csv_excel_opens(sales):
    report = importer.error_report(preview_of(gbk_file_with_errors(), "线索.csv").errors)

    assert report.startswith("\ufeffRow,Column,Reason\n3,手机,“12345” is not a phone number.\n")
    assert report.count("\n") == 7


def test_an_xlsx_with_errors_gives_the_exact_report_and_imports_nothing(sales):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS.split(","))
    sheet.append(["陈杰", "苏州金桥", 13817623301, "chenjie@jinqiao.com", "large", "high", "referral", "senior_east"])
    sheet.append(["黄丽", "佛山美居", "+86 139 2345 6780", "huangli@meiju", "small", "low", "website", None])
    sheet.append(["孙红", None, None, None, "Medium", "huge", "partner", "east_manager"])
    data = io.BytesIO()
    book.save(data)

    preview = preview_of(data.getvalue(), "leads.xlsx")

    assert [(e.row, e.column, e.reason) for e in preview.errors] == [
        (3, "邮箱", "“huangli@meiju” is not an email address."),
        (4, "意向", "“huge” is not one of: high, medium, low"),
        (4, "负责人", "“east_manager” is not an active sales rep."),
    ]
    assert preview.rows[0]["phone"] == "13817623301"  # a number cell, not 13817623301.0
    assert Lead.objects.count() == 0


def test_a_valid_file_imports_every_row_graded_with_duplicates_flagged(sales):
    existing = Lead.objects.create(name="旧", source=sales.website, phone="13900001111", phone_key="13900001111")
    lines = [
        "Name,Company,Mobile,Email,Size,Intent,Channel,Owner",
        "Laura Bennett,Acme Corporation,+1 415 555 0134,laura@acme.example,Enterprise,High intent,Trade show,"
        "senior_east",
        "Tan Wei Ming,Singapore Harbour,0065 6123 4567,weiming@sht.example,medium,medium,website,",
        "L. Bennett,Acme,,LAURA@acme.example,,,website,",
        "王芳,北京中关村,139-0000-1111,,,,官网表单,",
    ]
    data = ("\ufeff" + "\n".join(lines)).encode("utf-8")
    table = importer.read_table(data, "leads.csv")
    mapping = importer.guess_mapping(table, importer.spec_for("leads"))

    preview = importer.validate(table, importer.spec_for("leads"), mapping)
    result = importer.commit(preview, sales.manager)

    assert mapping == {
        "name": "Name",
        "company": "Company",
        "phone": "Mobile",
        "email": "Email",
        "size": "Size",
        "intent": "Intent",
        "source": "Channel",
        "owner": "Owner",
    }
    assert preview.duplicates == [(4, "row 2 of this file"), (5, f"lead #{existing.pk}")]
    assert (result["created"], result["duplicates"]) == (4, 2)
    leads = list(Lead.objects.exclude(pk=existing.pk).order_by("pk"))
    assert [(lead.name, lead.size, lead.intent, lead.source.code, lead.grade, lead.score) for lead in leads] == [
        ("Laura Bennett", "enterprise", "high", "trade_show", "B", 45),
        ("Tan Wei Ming", "medium", "medium", "website", "C", 20),
        ("L. Bennett", "", "", "website", "D", 0),
        ("王芳", "", "", "website", "D", 0),
    ]
    assert [lead.duplicate_of for lead in leads] == [None, None, leads[0], existing]
    assert [lead.owner for lead in leads] == [sales.senior_east, None, None, None]
    # the owned B lead has the B deadline (48 h) from its import; the unowned wait in the pool without one
    assert leads[0].first_contact_due_at == leads[0].created_at + timedelta(hours=48)
    assert [lead.first_contact_due_at for lead in leads[1:]] == [None, None, None]
    assert Assignment.objects.get(lead=leads[0]).reason == "imported"
    assert GradeChange.objects.count() == 4


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"", "x.csv", "import_file_empty"),
        (b"   \n \n", "x.csv", "import_file_empty"),
        ("姓名,来源\n".encode(), "x.csv", "import_file_empty"),
        (b"name,,source\nA,,website\n", "x.csv", "import_file_unreadable"),
        (b"name,name\nA,B\n", "x.csv", "import_file_unreadable"),
        (b"PK\x03\x04not really a zip", "x.xlsx", "import_file_unreadable"),
        (b"\x00\x01\x02\x03binary", "x.csv", "import_file_unreadable"),
    ],
)
def test_files_that_cannot_be_imported_are_refused_with_a_code(db, data, name, code):
    with pytest.raises(DomainError) as refused:
        importer.read_table(data, name)
    assert refused.value.code == code


def test_a_mapping_to_missing_columns_or_without_required_fields_is_refused(sales):
    table = importer.read_table("姓名,公司\n张三,某公司\n".encode(), "x.csv")

    with pytest.raises(DomainError) as refused:
        importer.validate(table, importer.spec_for("leads"), {"name": "姓名", "phone": "电话", "mood": "公司"})

    assert refused.value.code == "import_bad_mapping"
    assert refused.value.fields["mapping"] == [
        "The file has no column “电话”.",
        "“mood” is not a field of leads.",
        "Choose the column for Source: it is required.",
    ]


def test_value_maps_translate_a_system_s_own_codes(sales):
    table = importer.read_table(b"name,src,lvl\nA,WEB,1\nB,SHOW,3\n", "x.csv")
    mapping = {
        "name": "name",
        "source": {"column": "src", "values": {"WEB": "website", "SHOW": "trade_show"}},
        "intent": {"column": "lvl", "values": {"1": "high", "3": "low"}},
    }

    preview = importer.validate(table, importer.spec_for("leads"), mapping)

    assert preview.errors == []
    assert [(r["source"].code, r["intent"]) for r in preview.rows] == [("website", "high"), ("trade_show", "low")]


def test_the_command_dry_run_prints_the_report_and_writes_nothing(sales, tmp_path):
    file = tmp_path / "leads.csv"
    file.write_bytes(gbk_file_with_errors())
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(MAPPING, ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()

    with pytest.raises(CommandError) as refused:
        call_command("ltc_import", "leads", str(file), "--mapping", str(mapping), "--dry-run", stdout=out)

    assert str(refused.value) == "3 of 4 rows have errors (6 problems); nothing was imported."
    assert out.getvalue().splitlines()[:2] == ["Row,Column,Reason", "3,手机,“12345” is not a phone number."]
    assert Lead.objects.count() == 0


def test_the_command_imports_a_valid_file_as_a_user(sales, tmp_path):
    file = tmp_path / "leads.csv"
    file.write_bytes("姓名,来源\n张三,展会\n李四,官网表单\n".encode("gbk"))
    mapping = tmp_path / "mapping.json"
    mapping.write_text('{"name": "姓名", "source": "来源"}', encoding="utf-8")
    out = io.StringIO()

    call_command("ltc_import", "leads", str(file), "--mapping", str(mapping), "--as", "east_manager", stdout=out)

    assert out.getvalue().strip() == "imported 2 leads, 0 flagged as possible duplicates."
    assert list(
        Lead.objects.order_by("pk").values_list("name", "source__code", "team__name", "created_by__username")
    ) == [
        ("张三", "trade_show", "华东", "east_manager"),
        ("李四", "website", "华东", "east_manager"),
    ]
    # the audit history has both rows, by the user the command ran as
    history = [record_history(lead) for lead in Lead.objects.order_by("pk")]
    assert [[(e.label, e.actor.username) for e in h] for h in history] == [[("insert", "east_manager")]] * 2
