"""The visibility matrix: every role × every relation to a record, through every way of reading it.

Seen from ``org.rep``: their own account, a teammate's, one in a sub-team and one in another team.
A record outside the viewer's scope is absent from lists and answers 404 on detail, in pages and API.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from customers.models import Account
from customers.selectors import account_list_visible_to
from ltc.access import Visibility, visible
from org.models import Membership
from org.services import user_deactivate

ALL = {"own", "teammates", "sub_teams", "other_teams"}

EXPECTED: dict[str, set[str]] = {
    "rep": {"own"},
    "teammate": {"teammates"},
    "sub_rep": {"sub_teams"},
    "other_rep": {"other_teams"},
    "manager": {"own", "teammates", "sub_teams"},
    "sub_manager": {"sub_teams"},
    "parent_manager": ALL,
    "presales": set(),
    "delivery": set(),
    "finance": ALL,  # finance sees every customer
    "admin": ALL,
}
RECORDS = sorted(ALL)
VIEWERS = sorted(EXPECTED)


def _viewer(org, name):
    return getattr(org, name)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_selector_lists_exactly_the_visible_accounts(org, org_accounts, viewer):
    # given
    user = _viewer(org, viewer)
    # when
    names = set(account_list_visible_to(user=user).values_list("pk", flat=True))
    # then
    assert names == {getattr(org_accounts, r).pk for r in EXPECTED[viewer]}


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_account_detail_page_answers_404_outside_scope(org, org_accounts, viewer, record):
    client = Client()
    client.force_login(_viewer(org, viewer))
    account = getattr(org_accounts, record)

    response = client.get(reverse("customers:account_detail", args=[account.pk]))

    assert response.status_code == (200 if record in EXPECTED[viewer] else 404)
    if response.status_code == 404:
        assert account.name not in response.content.decode()


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_account_detail_api_answers_404_outside_scope(org, org_accounts, viewer, record):
    client = APIClient()
    client.force_authenticate(_viewer(org, viewer))
    account = getattr(org_accounts, record)

    response = client.get(f"/api/v1/accounts/{account.pk}/")

    if record in EXPECTED[viewer]:
        assert response.status_code == 200
        assert response.json()["name"] == account.name
    else:
        assert response.status_code == 404
        assert response.json() == {"error": {"code": "not_found", "message": "未找到。", "fields": {}}}


@pytest.mark.parametrize("viewer", VIEWERS)
def test_account_list_page_and_api_show_only_visible_records(org, org_accounts, viewer):
    user = _viewer(org, viewer)
    page_client, api_client = Client(), APIClient()
    page_client.force_login(user)
    api_client.force_authenticate(user)
    expected_names = {getattr(org_accounts, r).name for r in EXPECTED[viewer]}

    html = page_client.get(reverse("customers:account_list")).content.decode()
    api = api_client.get("/api/v1/accounts/").json()

    assert {r: getattr(org_accounts, r).name in html for r in RECORDS} == {r: r in EXPECTED[viewer] for r in RECORDS}
    assert api["count"] == len(expected_names)
    assert {row["name"] for row in api["results"]} == expected_names


@pytest.mark.parametrize("record", RECORDS)
def test_anonymous_sees_nothing(org_accounts, record):
    account = getattr(org_accounts, record)

    page = Client().get(reverse("customers:account_detail", args=[account.pk]))
    api = APIClient().get(f"/api/v1/accounts/{account.pk}/")

    assert page.status_code == 302
    assert page["Location"].startswith(reverse("login"))
    assert api.status_code == 401
    assert api.json()["error"]["code"] == "not_authenticated"
    assert account_list_visible_to(user=None).count() == 0


def test_a_deactivated_person_sees_nothing(org, org_accounts):
    # given a rep who saw their own account
    assert account_list_visible_to(user=org.rep).count() == 1
    # when they are deactivated
    user_deactivate(actor=org.admin, user=org.rep)
    org.rep.refresh_from_db()
    # then they see nothing, and can no longer open it
    assert account_list_visible_to(user=org.rep).count() == 0
    client = Client()
    client.force_login(org.rep)
    assert client.get(reverse("customers:account_detail", args=[org_accounts.own.pk])).status_code == 302


def test_moving_a_rep_to_another_team_moves_what_managers_see(org, org_accounts):
    # given the manager of A sees the rep's account
    assert org_accounts.own in account_list_visible_to(user=org.manager)
    # when the rep moves from team A to team B (fresh users: scopes are computed per request)
    Membership.objects.filter(user=org.rep, team=org.team_a).update(team=org.team_b)
    manager = type(org.manager).objects.get(pk=org.manager.pk)
    # then the manager of A no longer sees it
    assert org_accounts.own not in account_list_visible_to(user=manager)


def test_members_rule_sees_records_one_is_on_without_repeating_them(org):
    """The deal-team path of the rule: a record one works on is visible once, however many co-workers it has."""
    # given memberships of team A, seen through "the memberships of teams I am a member of"
    rule = Visibility(owner="user_id", members=("team__memberships__user_id",))
    # when the rep (a member of team A) lists them
    rows = list(visible(Membership.objects.all(), org.rep, rule).values_list("team__name", "user__username"))
    # then exactly team A's memberships, each once
    assert sorted(rows) == [("A 组", "manager"), ("A 组", "rep"), ("A 组", "teammate")]


@pytest.mark.parametrize("url", ["/customers/", "/api/v1/accounts/"])
@pytest.mark.parametrize("rows", [3, 60])
def test_list_query_count_does_not_grow_with_rows(org, django_assert_num_queries, url, rows):
    Account.objects.bulk_create([Account(name=f"客户{i}", owner=org.rep) for i in range(rows)])
    client = Client()
    client.force_login(org.manager)
    # session, user, memberships, team subtree, members of those teams, count, one page of rows
    with django_assert_num_queries(7):
        response = client.get(url)
    assert response.status_code == 200
