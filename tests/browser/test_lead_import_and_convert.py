"""A rep imports a file through the mapping screen, works the lead and converts it: all in Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import FilePayload, Page, expect

from customers.models import Account, Contact
from leads.models import Lead
from opportunities.models import Opportunity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = (
    "客户姓名,公司名称,手机,来源,负责人,规模,意向\r\n"
    "刘建华,上海申远机电有限公司,138 1762 3301,官网表单,rep,大型,高\r\n"
    "王芳,杭州云帆科技有限公司,+86 139-1234-5678,展会,rep,中型,中\r\n"
)


@pytest.fixture
def rep(org):
    org.rep.set_password("browser-pass-1")
    org.rep.save()
    return org.rep


def test_import_through_the_mapping_screen_then_convert_a_lead(page: Page, live_server, rep, artifacts):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "rep")
    page.fill("#id_password", "browser-pass-1")
    page.get_by_role("button", name="登录").click()

    # upload (GBK, as Excel in China saves it)
    page.goto(f"{live_server.url}/leads/")
    page.locator("a[href='/import/leads/']").click()
    page.set_input_files(
        "#import-file", files=FilePayload(name="线索.csv", mimeType="text/csv", buffer=CSV.encode("gbk"))
    )
    page.locator("main form button[type=submit]").click()

    # mapping: the guess misses "客户姓名" and "公司名称"; choose them
    expect(page).to_have_url(re.compile(r"/import/batch/\d+/mapping/$"))
    expect(page.locator("#map-phone")).to_have_value("手机")
    page.select_option("#map-name", "客户姓名")
    page.select_option("#map-company", "公司名称")
    page.screenshot(path=str(artifacts / "import-mapping-zh.png"), full_page=True)
    page.locator("main form button[type=submit]").click()

    # preview: every row valid, then import
    expect(page.locator("#rows-total")).to_have_text("2")
    expect(page.locator("#rows-bad")).to_have_text("0")
    page.screenshot(path=str(artifacts / "import-preview-zh.png"), full_page=True)
    page.locator("form[action$='/commit/'] button").click()
    expect(page.locator("#import-result")).to_contain_text("2")
    assert list(Lead.objects.order_by("pk").values_list("name", "company", "owner__username", "grade")) == [
        ("刘建华", "上海申远机电有限公司", "rep", "B"),
        ("王芳", "杭州云帆科技有限公司", "rep", "C"),
    ]

    # work the lead: record the first call, then convert
    lead = Lead.objects.get(name="刘建华")
    page.goto(f"{live_server.url}/leads/{lead.pk}/")
    page.fill("#activities input[name=subject]", "首次电话，客户有兴趣")
    page.locator("#activities form button[type=submit]").click()
    expect(page.locator(".ltc-status")).to_have_text("已联系")
    page.locator(f"a[href='/opportunities/from-lead/{lead.pk}/']").click()
    page.fill("#opp-amount", "250000")
    page.screenshot(path=str(artifacts / "lead-convert-zh.png"), full_page=True)
    page.locator("main form button[type=submit]").click()

    opportunity = Opportunity.objects.get()
    expect(page).to_have_url(f"{live_server.url}/opportunities/{opportunity.pk}/")
    expect(page.locator("h1")).to_contain_text("上海申远机电有限公司")
    page.screenshot(path=str(artifacts / "opportunity-zh.png"), full_page=True)
    lead.refresh_from_db()
    account, contact = Account.objects.get(), Contact.objects.get()
    assert (lead.status, lead.account, lead.contact) == ("converted", account, contact)
    assert (opportunity.account, opportunity.contact, str(opportunity.amount), opportunity.owner) == (
        account,
        contact,
        "250000.00",
        rep,
    )
    assert (contact.name, contact.phone_key, account.name) == ("刘建华", "13817623301", "上海申远机电有限公司")
