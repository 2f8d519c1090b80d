"""The import pages: upload → mapping (remembered per file layout) → every row checked → all or nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from leads.models import Lead
from ltc import importer, imports
from ltc.errors import Conflict
from ltc.models import ImportBatch, ImportMapping

GOOD = "姓名,手机,来源,备注\r\n刘建华,13817623301,官网表单,展会名片\r\n王芳,+86 139-1234-5678,展会,\r\n"
BAD = "姓名,手机,来源,备注\r\n刘建华,12345,官网表单,\r\n,13912345678,抖音,\r\n"


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def upload(client: Client, text: str, name: str = "leads.csv", encoding: str = "gbk"):
    return client.post(
        reverse("imports:upload", args=["leads"]), {"file": SimpleUploadedFile(name, text.encode(encoding))}
    )


def test_a_good_gbk_file_goes_through_mapping_and_preview_into_leads(org):
    client = signed_in(org.manager)

    uploaded = upload(client, GOOD)
    batch = ImportBatch.objects.get()
    assert uploaded["Location"] == reverse("imports:mapping", args=[batch.pk])
    mapping = client.get(uploaded["Location"])
    chosen = {row["column"].field: row["chosen"] for row in mapping.context["rows"] if row["chosen"]}
    assert chosen == {"name": "姓名", "phone": "手机", "source": "来源", "note": "备注"}
    assert mapping.context["remembered"] is False

    posted = client.post(uploaded["Location"], {f"map-{k}": v for k, v in chosen.items()})
    assert posted["Location"] == reverse("imports:preview", args=[batch.pk])
    preview = client.get(posted["Location"])
    assert (len(preview.context["preview"].rows), preview.context["valid_rows"], preview.context["bad_rows"]) == (
        2,
        2,
        0,
    )
    assert preview.context["preview"].duplicates == []
    assert '<button class="btn btn-primary" type="submit" id="import-commit">' in preview.content.decode()
    assert preview.context["sample"] == [
        ["刘建华", "13817623301", "Website form", "展会名片"],
        ["王芳", "+86 139-1234-5678", "Trade show", ""],
    ]
    assert Lead.objects.count() == 0  # nothing yet

    client.post(reverse("imports:commit", args=[batch.pk]))

    assert list(Lead.objects.order_by("pk").values_list("name", "phone", "source__code", "note")) == [
        ("刘建华", "13817623301", "website", "展会名片"),
        ("王芳", "+86 139-1234-5678", "trade_show", ""),
    ]
    batch.refresh_from_db()
    assert (batch.state, batch.result, bytes(batch.data)) == ("committed", {"created": 2, "duplicates": 0}, b"")
    done = client.get(reverse("imports:preview", args=[batch.pk])).content.decode()
    assert "leads.csv: imported 2 leads, 0 flagged as possible duplicates." in done
    assert f'href="{reverse("leads:lead_list")}"' in done


def test_errors_are_listed_and_reported_and_nothing_is_written(org):
    # given a GBK file whose first row has a bad phone, and whose second misses a name and names no known source
    client = signed_in(org.manager)
    upload(client, BAD, encoding="gbk")
    batch = ImportBatch.objects.get()
    mapping = client.get(reverse("imports:mapping", args=[batch.pk]))
    guessed = {row["column"].field: row["chosen"] for row in mapping.context["rows"]}
    assert {field: header for field, header in guessed.items() if header} == {
        "name": "姓名",
        "phone": "手机",
        "source": "来源",
        "note": "备注",
    }
    assert '<option value="手机" selected>手机</option>' in mapping.content.decode()
    client.post(
        reverse("imports:mapping", args=[batch.pk]), {"map-name": "姓名", "map-phone": "手机", "map-source": "来源"}
    )

    # when it is previewed, its report downloaded, and committed anyway
    preview = client.get(reverse("imports:preview", args=[batch.pk]))
    report = client.get(reverse("imports:errors", args=[batch.pk]))
    refused = client.post(reverse("imports:commit", args=[batch.pk]), follow=True)

    # then every problem is named, the button is disabled, and nothing is written
    assert [(e.row, e.column, e.reason) for e in preview.context["errors"]] == [
        (2, "手机", "“12345” is not a phone number."),
        (3, "姓名", "Required."),
        (3, "来源", "Unknown source “抖音”."),
    ]
    assert (preview.context["valid_rows"], preview.context["bad_rows"]) == (0, 2)
    page = preview.content.decode()
    assert "<td>2</td><td>手机</td><td>“12345” is not a phone number.</td>" in page
    assert 'id="import-commit" disabled' in page
    assert f'action="{reverse("imports:commit", args=[batch.pk])}"' not in page
    assert report["Content-Type"] == "text/csv; charset=utf-8"
    assert report["Content-Disposition"] == f'attachment; filename="import-{batch.pk}-errors.csv"'
    expected = (
        "\ufeffRow,Column,Reason\n"
        "2,手机,“12345” is not a phone number.\n"
        "3,姓名,Required.\n"
        "3,来源,Unknown source “抖音”.\n"
    )
    assert report.content == expected.encode()
    assert report.content[:3] == b"\xef\xbb\xbf"
    assert [str(m) for m in refused.context["messages"]] == [
        "2 rows have errors; nothing was imported. Correct the file and try again."
    ]
    assert Lead.objects.count() == 0
    assert ImportMapping.objects.count() == 0
    assert (ImportBatch.objects.get().state, ImportBatch.objects.get().committed_at) == ("uploaded", None)


def test_the_mapping_is_remembered_for_the_next_file_with_the_same_columns(org):
    client = signed_in(org.manager)
    text = "客户姓名,联系电话,渠道\r\n刘建华,13817623301,官网表单\r\n"
    upload(client, text)
    first = ImportBatch.objects.get()
    client.post(
        reverse("imports:mapping", args=[first.pk]),
        {"map-name": "客户姓名", "map-phone": "联系电话", "map-source": "渠道"},
    )
    client.post(reverse("imports:commit", args=[first.pk]))

    # the same columns in another order: the same layout
    upload(client, "渠道,客户姓名,联系电话\r\n展会,王芳,13912345678\r\n", name="second.csv")
    second = ImportBatch.objects.latest("pk")
    page = client.get(reverse("imports:mapping", args=[second.pk]))

    assert page.context["remembered"] is True
    html = page.content.decode()
    selected = [h for h in second.headers if f'<option value="{h}" selected>{h}</option>' in html]
    assert selected == ["渠道", "客户姓名", "联系电话"]
    assert {r["column"].field: r["chosen"] for r in page.context["rows"] if r["chosen"]} == {
        "name": "客户姓名",
        "phone": "联系电话",
        "source": "渠道",
    }
    assert ImportMapping.objects.count() == 1


def test_a_batch_is_its_uploaders_and_imports_once(org):
    client = signed_in(org.manager)
    upload(client, GOOD)
    batch = ImportBatch.objects.get()
    client.post(
        reverse("imports:mapping", args=[batch.pk]), {"map-name": "姓名", "map-phone": "手机", "map-source": "来源"}
    )

    other = signed_in(org.rep)
    assert [
        other.get(reverse("imports:mapping", args=[batch.pk])).status_code,
        other.post(reverse("imports:mapping", args=[batch.pk]), {"map-name": "手机"}).status_code,
        other.get(reverse("imports:preview", args=[batch.pk])).status_code,
        other.get(reverse("imports:errors", args=[batch.pk])).status_code,
        other.post(reverse("imports:commit", args=[batch.pk])).status_code,
    ] == [404, 404, 404, 404, 404]
    assert Lead.objects.count() == 0
    assert ImportBatch.objects.get().mapping == {"name": "姓名", "phone": "手机", "source": "来源"}

    client.post(reverse("imports:commit", args=[batch.pk]))
    first = ImportBatch.objects.get()
    again = client.post(reverse("imports:commit", args=[batch.pk]), follow=True)
    assert [str(m) for m in again.context["messages"]] == ["This file was imported already."]
    assert Lead.objects.count() == 2
    batch.refresh_from_db()
    assert (batch.result, batch.committed_at) == ({"created": 2, "duplicates": 0}, first.committed_at)


def test_the_commit_service_refuses_a_second_commit_with_a_stable_code(org):
    batch = imports.batch_upload(actor=org.manager, kind="leads", filename="leads.csv", data=GOOD.encode("gbk"))
    imports.batch_set_mapping(batch=batch, mapping={"name": "姓名", "phone": "手机", "source": "来源"})
    imports.batch_commit(actor=org.manager, batch=batch)

    with pytest.raises(Conflict) as refused:
        imports.batch_commit(actor=org.manager, batch=batch)

    assert refused.value.code == "import_already_committed"
    assert Lead.objects.count() == 2


def test_possible_duplicates_are_listed_with_what_they_match_and_imported_flagged(org):
    client = signed_in(org.manager)
    upload(client, GOOD + "刘建华,138 1762 3301,官网表单,\r\n")
    batch = ImportBatch.objects.get()
    client.post(
        reverse("imports:mapping", args=[batch.pk]), {"map-name": "姓名", "map-phone": "手机", "map-source": "来源"}
    )

    preview = client.get(reverse("imports:preview", args=[batch.pk]))
    done = client.post(reverse("imports:commit", args=[batch.pk]), follow=True)

    assert preview.context["duplicates"] == [(4, "row 2 of this file")]
    assert "<td>4</td><td>row 2 of this file</td>" in preview.content.decode()
    assert "leads.csv: imported 3 leads, 1 flagged as possible duplicates." in done.content.decode()
    first, _second, third = Lead.objects.order_by("pk")
    assert third.duplicate_of_id == first.pk


def test_empty_and_header_only_files_are_refused_with_a_message(org):
    client = signed_in(org.manager)

    empty = upload(client, "")
    headers_only = upload(client, "姓名,手机,来源\r\n")
    missing = client.post(reverse("imports:upload", args=["leads"]), {})
    unknown = client.get(reverse("imports:upload", args=["spaceships"]))

    assert (empty.context["error"], headers_only.context["error"], missing.context["error"]) == (
        "The file is empty.",
        "The file has headers but no rows.",
        "Choose a file.",
    )
    assert unknown.status_code == 404
    assert ImportBatch.objects.count() == 0


def test_an_unreadable_or_oversized_file_is_refused_with_a_message_and_nothing_is_kept(org):
    client = signed_in(org.manager)

    binary = client.post(
        reverse("imports:upload", args=["leads"]), {"file": SimpleUploadedFile("leads.csv", b"\x00\x01\x02abc")}
    )
    broken_excel = client.post(
        reverse("imports:upload", args=["leads"]), {"file": SimpleUploadedFile("leads.xlsx", b"not a workbook")}
    )
    oversized = client.post(
        reverse("imports:upload", args=["leads"]),
        {"file": SimpleUploadedFile("big.csv", b"a" * (importer.MAX_FILE_BYTES + 1))},
    )

    assert (binary.context["error"], broken_excel.context["error"], oversized.context["error"]) == (
        "This is not a CSV or Excel (.xlsx) file.",
        "This Excel file cannot be read (BadZipFile).",
        "The file is larger than 50 MB; split it into smaller files.",
    )
    assert "At most 50 MB and 200000 rows." in oversized.content.decode()
    assert ImportBatch.objects.count() == 0


def test_a_missing_required_column_is_refused_on_the_mapping_page(org):
    client = signed_in(org.manager)
    upload(client, GOOD)
    batch = ImportBatch.objects.get()

    with translation.override("en"):
        page = client.post(reverse("imports:mapping", args=[batch.pk]), {"map-name": "姓名"})

    assert page.context["problems"] == ["Choose the column for Source: it is required."]
    assert ImportBatch.objects.get().mapping == {}
