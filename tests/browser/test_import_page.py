"""A rep imports three leads through the import pages, keeping the guessed mapping: in Chromium, desktop and phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import FilePayload, Page, expect

from leads.models import Lead
from ltc.models import ImportBatch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = (
    "姓名,公司,手机,来源,备注\r\n"
    "刘建华,上海申远机电有限公司,138 1762 3301,官网表单,展会名片\r\n"
    "王芳,杭州云帆科技有限公司,+86 139-1234-5678,展会,\r\n"
    "陈立,深圳华创电子有限公司,13712345678,官网表单,回电\r\n"
)

VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def rep(org):
    org.rep.set_password("browser-pass-1")
    org.rep.save()
    return org.rep


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_upload_keep_the_guessed_mapping_preview_and_import(page: Page, live_server, rep, artifacts, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "rep")
    page.fill("#id_password", "browser-pass-1")
    page.get_by_role("button", name="登录").click()

    # upload: a UTF-8 file with a BOM, as Excel saves "CSV UTF-8"
    page.goto(f"{live_server.url}/import/leads/")
    expect(page.locator("main .form-text")).to_contain_text("50 MB")
    page.set_input_files(
        "#import-file", files=FilePayload(name="线索.csv", mimeType="text/csv", buffer=CSV.encode("utf-8-sig"))
    )
    page.screenshot(path=str(artifacts / f"import-upload-{viewport}.png"), full_page=True)
    page.locator("main form button[type=submit]").click()

    # mapping: every column guessed from its header; keep it
    batch = ImportBatch.objects.get()
    expect(page).to_have_url(f"{live_server.url}/import/batch/{batch.pk}/mapping/")
    for field, header in {"name": "姓名", "company": "公司", "phone": "手机", "source": "来源", "note": "备注"}.items():
        expect(page.locator(f"#map-{field}")).to_have_value(header)
    expect(page.locator("#map-email")).to_have_value("")
    page.screenshot(path=str(artifacts / f"import-mapping-{viewport}.png"), full_page=True)
    page.locator("main form button[type=submit]").click()

    # preview: three valid rows, nothing written yet
    expect(page).to_have_url(re.compile(rf"/import/batch/{batch.pk}/preview/$"))
    expect(page.locator("#rows-total")).to_have_text("3")
    expect(page.locator("#rows-valid")).to_have_text("3")
    expect(page.locator("#rows-bad")).to_have_text("0")
    expect(page.locator("#rows-duplicate")).to_have_text("0")
    expect(page.locator("#import-sample tbody tr")).to_have_count(3)
    expect(page.locator("#import-sample tbody tr").first).to_contain_text("官网表单")
    page.screenshot(path=str(artifacts / f"import-preview-{viewport}.png"), full_page=True)
    assert Lead.objects.count() == 0

    page.locator("#import-commit").click()

    expect(page.locator("#import-result")).to_contain_text("线索.csv")
    expect(page.locator("#import-result")).to_contain_text("3")
    page.screenshot(path=str(artifacts / f"import-done-{viewport}.png"), full_page=True)
    assert list(Lead.objects.order_by("pk").values_list("name", "company", "phone", "source__code", "note")) == [
        ("刘建华", "上海申远机电有限公司", "138 1762 3301", "website", "展会名片"),
        ("王芳", "杭州云帆科技有限公司", "+86 139-1234-5678", "trade_show", ""),
        ("陈立", "深圳华创电子有限公司", "13712345678", "website", "回电"),
    ]
    assert list(Lead.objects.values_list("created_by__username", flat=True).distinct()) == ["rep"]

    # the result page leads back to the list of leads
    page.locator("main a.btn-primary").click()
    expect(page).to_have_url(f"{live_server.url}/leads/")


def test_a_file_with_errors_lists_them_and_cannot_be_imported(page: Page, live_server, rep, artifacts):
    page.set_viewport_size(VIEWPORTS["phone"])
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "rep")
    page.fill("#id_password", "browser-pass-1")
    page.get_by_role("button", name="登录").click()
    bad = CSV.replace("13712345678", "12345")

    page.goto(f"{live_server.url}/import/leads/")
    page.set_input_files(
        "#import-file", files=FilePayload(name="线索.csv", mimeType="text/csv", buffer=bad.encode("utf-8-sig"))
    )
    page.locator("main form button[type=submit]").click()
    page.locator("main form button[type=submit]").click()

    expect(page.locator("#rows-bad")).to_have_text("1")
    expect(page.locator("#import-errors tbody tr")).to_have_text(["4手机“12345”不是有效的电话号码。"])
    expect(page.locator("#import-commit")).to_be_disabled()
    expect(page.locator("#import-error-report")).to_be_visible()
    page.screenshot(path=str(artifacts / "import-errors-phone.png"), full_page=True)
    assert Lead.objects.count() == 0
