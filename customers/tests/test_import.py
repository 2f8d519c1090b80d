"""Importing accounts and contacts through the shared importer: the exact report, all or none, duplicates."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from customers.models import Account, Contact
from customers.services import account_create
from ltc import importer
from ltc.audit import record_history
from ltc.errors import DomainError

ACCOUNTS = {"name": "公司名称", "industry": "行业", "size": "规模", "region": "区域", "owner": "负责人"}


def preview(kind: str, data: bytes, filename: str, mapping: dict):
    return importer.validate(importer.read_table(data, filename), importer.spec_for(kind), mapping)


def test_a_gbk_accounts_file_with_errors_reports_them_exactly_and_writes_nothing(org):
    data = (
        "公司名称,行业,规模,区域,负责人\r\n"
        "上海申远智能制造有限公司,智能制造,大型,华东,rep\r\n"
        ",软件,中型,华南,rep\r\n"
        "杭州云帆科技,软件,巨型,火星,nobody\r\n"
    ).encode("gbk")

    checked = preview("accounts", data, "客户.csv", ACCOUNTS)

    assert importer.error_report(checked.errors) == (
        "\ufeffRow,Column,Reason\n"
        "3,公司名称,Required.\n"
        '4,区域,"“火星” is not one of: east, north, south, west, intl"\n'
        '4,规模,"“巨型” is not one of: micro, small, medium, large, enterprise"\n'
        "4,负责人,“nobody” is not an active sales rep or manager.\n"
    )
    with pytest.raises(DomainError) as refused:
        importer.commit(checked, org.manager)
    assert refused.value.code == "import_rows_invalid"
    assert Account.objects.count() == 0


def test_accounts_import_with_owner_defaulting_to_the_importer_and_duplicates_reported(org):
    existing = account_create(actor=org.rep, owner=org.rep, name="上海申远智能制造有限公司")
    data = "公司名称,行业\r\n上海申远智能制造有限公司,智能制造\r\n宁波海通物流,物流\r\n宁波海通物流 ,物流\r\n".encode()

    checked = preview("accounts", data, "a.csv", {"name": "公司名称", "industry": "行业"})
    result = importer.commit(checked, org.manager)

    assert checked.duplicates == [
        (2, f"account #{existing.pk} 上海申远智能制造有限公司"),
        (4, "row 3 of this file"),
    ]
    assert (result["created"], result["duplicates"]) == (3, 2)
    assert list(Account.objects.exclude(pk=existing.pk).order_by("pk").values_list("name", "owner__username")) == [
        ("上海申远智能制造有限公司", "manager"),
        ("宁波海通物流", "manager"),
        ("宁波海通物流", "manager"),
    ]


def test_an_accounts_file_without_owner_needs_a_person_to_import_as(org, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("公司名称\n宁波海通物流\n", encoding="utf-8")
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"name": "公司名称"}), encoding="utf-8")

    with pytest.raises(CommandError) as refused:
        call_command("ltc_import", "accounts", str(path), "--mapping", str(mapping), stdout=io.StringIO())

    assert str(refused.value) == "Row 2 has no owner: map an owner column, or import as a person (--as)."
    assert Account.objects.count() == 0
    out = io.StringIO()
    call_command("ltc_import", "accounts", str(path), "--mapping", str(mapping), "--as", "rep", stdout=out)
    assert out.getvalue() == "imported 1 accounts, 0 flagged as possible duplicates.\n"
    assert list(Account.objects.values_list("name", "owner__username")) == [("宁波海通物流", "rep")]


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_contacts_from_excel_land_at_their_accounts_with_keys(org, org_accounts):
    data = xlsx(
        [
            ["姓名", "客户名称", "职务", "手机", "邮箱"],
            ["刘建华", "自己的客户", "采购经理", 13817623301, "Liu.JH@Shenyuan.cn"],
            ["王芳", "自己的客户", "", "+86 139-1234-5678", ""],
        ]
    )
    mapping = {"name": "姓名", "account": "客户名称", "title": "职务", "phone": "手机", "email": "邮箱"}

    checked = preview("contacts", data, "联系人.xlsx", mapping)
    result = importer.commit(checked, org.rep)

    assert (result["created"], result["duplicates"]) == (2, 0)
    fields = ["name", "account__name", "owner__username", "title", "phone", "email"]
    fields += ["phone_key", "email_key", "name_key"]
    assert list(Contact.objects.order_by("pk").values_list(*fields)) == [
        ("刘建华", "自己的客户", "rep", "采购经理", "13817623301", "liu.jh@shenyuan.cn", "13817623301",
         "liu.jh@shenyuan.cn", "刘建华"),
        ("王芳", "自己的客户", "rep", "", "+86 139-1234-5678", "", "13912345678", "", "王芳"),
    ]  # fmt: skip
    first = record_history(Contact.objects.get(name="刘建华"))
    assert [(e.label, e.actor) for e in first] == [("insert", org.rep)]


def test_contacts_report_bad_cells_duplicates_and_refuse_someone_elses_account(org, org_accounts):
    Contact.objects.create(
        account=org_accounts.own, owner=org.rep, name="刘建华", phone="13817623301", phone_key="13817623301",
        name_key="刘建华",
    )  # fmt: skip
    mapping = {"name": "姓名", "account": "客户", "phone": "电话", "email": "邮箱"}
    bad = "姓名,客户,电话,邮箱\n王芳,不存在的公司,12345,wang@\n".encode()
    duplicate = "姓名,客户,电话,邮箱\n刘总,自己的客户,+86 138 1762 3301,\n".encode()
    elsewhere = "姓名,客户,电话,邮箱\n赵六,别组的客户,,\n".encode()

    report = importer.error_report(preview("contacts", bad, "c.csv", mapping).errors)
    flagged = preview("contacts", duplicate, "c.csv", mapping).duplicates
    with pytest.raises(DomainError) as refused:
        importer.commit(preview("contacts", elsewhere, "c.csv", mapping), org.rep)

    assert report == (
        "\ufeffRow,Column,Reason\n"
        "2,客户,No account is called “不存在的公司”.\n"
        "2,电话,“12345” is not a phone number.\n"
        "2,邮箱,“wang@” is not an email address.\n"
    )
    first = Contact.objects.get()
    assert flagged == [(2, f"contact #{first.pk} 刘建华")]
    assert (refused.value.code, Contact.objects.count()) == ("import_account_not_visible", 1)


def test_the_command_dry_run_prints_duplicates_and_writes_nothing(org, org_accounts, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("姓名,客户\n王芳,自己的客户\n王芳,自己的客户\n", encoding="utf-8-sig")
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"name": "姓名", "account": "客户"}), encoding="utf-8")
    out = io.StringIO()

    call_command("ltc_import", "contacts", str(path), "--mapping", str(mapping), "--dry-run", stdout=out)

    assert out.getvalue() == (
        "row 3: possible duplicate of row 2 of this file\n"
        "dry run: 2 rows are valid, 1 possible duplicates; nothing written.\n"
    )
    assert Contact.objects.count() == 0
    with pytest.raises(CommandError):
        call_command("ltc_import", "spaceships", str(path), "--mapping", str(mapping), stdout=io.StringIO())
