"""Sign in through the real page in Chromium; the shell in Chinese and English, on a desktop and a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from customers.models import Account

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 860}


@pytest.fixture
def manager(org):
    org.manager.set_password("browser-pass-1")
    org.manager.save()
    Account.objects.create(name="上海申远智能制造有限公司", owner=org.rep, industry="智能制造", city="上海")
    Account.objects.create(name="深圳前海星辰科技有限公司", owner=org.other_rep, industry="软件", city="深圳")
    return org.manager


def sign_in(page: Page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="登录").click()


def collect_console_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_sign_in_and_see_the_shell_in_both_languages(page: Page, live_server, manager, artifacts, viewport):
    page.set_viewport_size(viewport)
    errors = collect_console_errors(page)
    name = "desktop" if viewport is DESKTOP else "phone"

    # Chinese by default
    sign_in(page, live_server.url, "manager", "browser-pass-1")
    expect(page).to_have_title("工作台 · 线索到回款")
    expect(page.locator("#stat-accounts")).to_have_text("1")  # the manager sees team A's account, not team B's
    page.screenshot(path=str(artifacts / f"shell-zh-{name}.png"), full_page=True)

    # switch to English through the menu (on a phone the menu is collapsed first)
    if viewport is PHONE:
        page.get_by_role("button", name="展开导航").click()
        expect(page.locator("#ltc-nav")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))
    page.locator("#ltc-language-menu").click()
    english = page.get_by_role("button", name="English")
    expect(english).to_be_visible()
    english.click()
    expect(page).to_have_title("Workbench · Lead to Cash")
    expect(page.locator(".ltc-chain-label")).to_have_text(
        ["Leads", "Opportunities", "Quotes", "Contracts", "Orders", "Cash collection"]
    )
    page.screenshot(path=str(artifacts / f"shell-en-{name}.png"), full_page=True)

    # the accounts page lists exactly what the manager may see
    page.goto(f"{live_server.url}/customers/")
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody")).to_contain_text("上海申远智能制造有限公司")
    page.screenshot(path=str(artifacts / f"accounts-en-{name}.png"), full_page=True)

    # no script or style was blocked by the content security policy, and nothing failed
    assert [e for e in errors if "favicon" not in e] == []


def test_a_wrong_password_stays_on_the_sign_in_page(page: Page, live_server, manager):
    sign_in(page, live_server.url, "manager", "wrong")

    expect(page.locator(".alert-danger")).to_have_text("用户名和密码不匹配，请重试。")
    expect(page).to_have_url(f"{live_server.url}/login/")
