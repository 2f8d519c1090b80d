"""The page shell: sign-in, navigation, languages, security headers, error pages."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from org.models import User

STAGES_ZH = ["线索", "商机", "报价", "合同", "订单", "回款"]
STAGES_EN = ["Leads", "Opportunities", "Quotes", "Contracts", "Orders", "Cash collection"]


def signed_in(user: User, language: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def test_login_page_speaks_chinese_by_default(db):
    html = Client().get(reverse("login")).content.decode()

    assert '<html lang="zh-hans">' in html
    assert "登录" in html


def test_sign_in_with_a_password_lands_on_the_workbench(org):
    org.rep.set_password("correct-horse-9")
    org.rep.save()
    client = Client()

    response = client.post(reverse("login"), {"username": "rep", "password": "correct-horse-9"}, follow=True)

    assert response.redirect_chain == [(reverse("home"), 302)]
    assert response.context["user"] == org.rep


def test_a_wrong_password_is_refused_with_a_message(org):
    response = Client().post(reverse("login"), {"username": "rep", "password": "nope"})

    assert response.status_code == 200
    assert "_auth_user_id" not in response.wsgi_request.session
    assert "用户名和密码不匹配" in response.content.decode()


@pytest.mark.parametrize(
    ("language", "stages", "home"), [("zh-hans", STAGES_ZH, "工作台"), ("en", STAGES_EN, "Workbench")]
)
@pytest.mark.parametrize("role", ["rep", "manager", "presales", "delivery", "finance", "admin"])
def test_every_role_sees_the_shell_with_six_stages(org, role, language, stages, home):
    response = signed_in(getattr(org, role), language).get(reverse("home"))

    html = response.content.decode()
    assert response.status_code == 200
    assert f"<title>{home}" in html
    nav = html[html.index('<ul class="navbar-nav me-auto">') :]
    positions = [nav.index(stage) for stage in stages]
    assert positions == sorted(positions)  # in the order of the chain


def test_language_switch_is_remembered(org):
    client = signed_in(org.rep, "zh-hans")

    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("home")).content.decode()

    assert '<html lang="en">' in html
    assert "Workbench" in html


def test_sign_out_ends_the_session(org):
    client = signed_in(org.rep, "en")

    client.post(reverse("logout"))

    assert client.get(reverse("home")).status_code == 302


def test_every_page_carries_a_strict_content_security_policy(org):
    response = signed_in(org.rep, "en").get(reverse("home"))

    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script_or_style(org, org_accounts):
    client = signed_in(org.manager, "en")
    for url in [
        reverse("home"),
        reverse("customers:account_list"),
        reverse("customers:account_detail", args=[org_accounts.own.pk]),
        reverse("api-docs"),
        reverse("login"),
    ]:
        html = client.get(url).content.decode()
        assert "<style" not in html, url
        assert " style=" not in html, url
        for chunk in html.split("<script")[1:]:
            assert chunk.lstrip().startswith("src="), url


def test_static_files_are_vendored_not_from_a_cdn(org):
    html = signed_in(org.rep, "en").get(reverse("home")).content.decode()

    for asset in [
        "vendor/bootstrap/bootstrap.min.css",
        "vendor/bootstrap/bootstrap.bundle.min.js",
        "vendor/htmx/htmx.min.js",
    ]:
        assert f"/static/{asset}" in html
    assert "https://" not in html.split("</head>")[0]


def test_404_is_a_friendly_page_without_details(org):
    response = signed_in(org.rep, "en").get("/customers/999999/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "Not found" in html
    assert "Traceback" not in html


def test_the_account_list_searches(org, org_accounts):
    response = signed_in(org.admin, "en").get(reverse("customers:account_list"), {"q": "同组"})

    assert [a.name for a in response.context["page"]] == ["同组的客户"]


def test_browsers_asking_for_favicon_ico_get_the_svg(db):
    response = Client().get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.svg"
