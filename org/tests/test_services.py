from __future__ import annotations

import pytest

from ltc.access import profile_for
from ltc.errors import DomainError
from org.models import Membership, Role, Team
from org.selectors import finance_people, managers_of, team_subtree_ids
from org.services import membership_add, team_create, team_update, user_deactivate


def test_a_team_cannot_move_below_its_own_sub_team(org):
    # given A 组 with its sub-team A1
    before = list(Team.objects.values_list("pk", "parent_id").order_by("pk"))
    # when A is moved below A1
    with pytest.raises(DomainError) as refused:
        team_update(actor=org.admin, team=org.team_a, name="A 组", name_en="", parent=org.team_sub, region="")
    # then it is refused with a code, and no team moved
    assert refused.value.code == "team_cycle"
    assert list(Team.objects.values_list("pk", "parent_id").order_by("pk")) == before


def test_a_team_cannot_be_its_own_parent(org):
    with pytest.raises(DomainError):
        team_update(actor=org.admin, team=org.team_b, name="B 组", name_en="", parent=org.team_b, region="")
    org.team_b.refresh_from_db()
    assert org.team_b.parent.name == "销售中心"


def test_subtree_includes_every_level(org):
    deeper = team_create(actor=org.admin, name="A1a 小组", parent=org.team_sub)

    assert team_subtree_ids(team_ids=[org.team_a.pk]) == {org.team_a.pk, org.team_sub.pk, deeper.pk}
    assert team_subtree_ids(team_ids=[]) == set()


def test_adding_a_role_twice_changes_nothing(org):
    membership_add(actor=org.admin, user=org.rep, team=org.team_a, role=Role.REP)

    assert Membership.objects.filter(user=org.rep).count() == 1


def test_an_unknown_role_is_refused(org):
    with pytest.raises(DomainError) as refused:
        membership_add(actor=org.admin, user=org.rep, team=org.team_a, role="ceo")

    assert refused.value.code == "invalid_role"
    assert list(Membership.objects.filter(user=org.rep).values_list("role", flat=True)) == ["rep"]


def test_a_person_may_hold_several_roles_and_the_scope_follows(org):
    # given a rep who also becomes the manager of team B
    before = profile_for(org.rep)
    assert before is not None
    assert before.owner_ids == {org.rep.pk}
    membership_add(actor=org.admin, user=org.rep, team=org.team_b, role=Role.MANAGER)
    # then their scope widens at once to B's members
    profile = profile_for(org.rep)
    assert profile is not None
    assert profile.roles == {"rep", "manager"}
    assert profile.owner_ids == {org.rep.pk, org.other_rep.pk}


def test_managers_of_are_the_nearest_managers_above_never_oneself(org):

    assert [u.username for u in managers_of(user=org.rep)] == ["manager"]
    assert [u.username for u in managers_of(user=org.sub_rep)] == ["sub_manager"]
    assert [u.username for u in managers_of(user=org.sub_manager)] == ["manager"]
    assert [u.username for u in managers_of(user=org.manager)] == ["parent_manager"]
    assert [u.username for u in managers_of(user=org.other_rep)] == ["parent_manager"]
    assert managers_of(user=org.parent_manager) == []
    assert managers_of(user=org.finance) == []
    user_deactivate(actor=org.admin, user=org.sub_manager)
    assert [u.username for u in managers_of(user=org.sub_rep)] == ["manager"]
    assert [u.username for u in finance_people()] == ["finance"]
