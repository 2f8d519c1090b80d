"""The admin pages manage people, teams and memberships; team moves go through the service's rules."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from org.models import Membership, Team


def admin_client(org) -> Client:
    org.admin.is_staff = org.admin.is_superuser = True
    org.admin.save()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(org.admin)
    return client


def test_an_admin_creates_a_team_below_another(org):
    client = admin_client(org)

    response = client.post(
        reverse("admin:org_team_add"),
        {
            "name": "华西大区",
            "name_en": "West China",
            "parent": org.team_a.parent_id,
            "region": "west",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    team = Team.objects.get(name="华西大区")
    assert (team.name_en, team.parent_id, team.region) == ("West China", org.team_a.parent_id, "west")


def test_the_admin_form_refuses_a_cycle_and_nothing_moves(org):
    client = admin_client(org)

    response = client.post(
        reverse("admin:org_team_change", args=[org.team_a.pk]),
        {
            "name": "A 组",
            "name_en": "",
            "parent": org.team_sub.pk,
            "region": "",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "A team cannot be moved below itself or one of its sub-teams." in response.content.decode()
    org.team_a.refresh_from_db()
    assert org.team_a.parent.name == "销售中心"


def test_a_rep_cannot_reach_the_admin(org):
    client = Client()
    client.force_login(org.rep)

    response = client.get(reverse("admin:org_team_changelist"))

    assert response.status_code == 302
    assert Membership.objects.filter(user=org.rep).count() == 1


def test_business_records_are_read_only_in_the_admin(org, org_accounts):
    client = admin_client(org)

    add = client.get(reverse("admin:customers_account_add"))
    view = client.get(reverse("admin:customers_account_change", args=[org_accounts.own.pk]))

    assert add.status_code == 403
    assert view.status_code == 200
    assert 'name="_save"' not in view.content.decode()
