from __future__ import annotations

from dataclasses import dataclass

import pytest

from customers.models import Account
from org.models import Role, Team, User
from tests.factories import AccountFactory, MembershipFactory, TeamFactory, UserFactory


@pytest.fixture
def user_factory():
    return UserFactory


@pytest.fixture
def account_factory():
    return AccountFactory


@dataclass
class Org:
    """A small company for access tests.

    销售中心 (parent manager)
      ├─ A 组 (manager_a; rep, teammate)
      │    └─ A1 子组 (manager_sub; sub_rep)
      └─ B 组 (other_rep)
    plus presales, delivery, finance and admin people outside the sales tree.
    """

    parent_manager: User
    manager: User
    sub_manager: User
    rep: User
    teammate: User
    sub_rep: User
    other_rep: User
    presales: User
    delivery: User
    finance: User
    admin: User
    team_a: Team
    team_sub: Team
    team_b: Team


@pytest.fixture
def org(db) -> Org:
    sales = TeamFactory.create(name="销售中心")
    team_a = TeamFactory.create(name="A 组", parent=sales)
    team_sub = TeamFactory.create(name="A1 子组", parent=team_a)
    team_b = TeamFactory.create(name="B 组", parent=sales)
    back_office = TeamFactory.create(name="职能部门")

    def person(username: str, *roles: tuple[Team, str]) -> User:
        user = UserFactory.create(username=username)
        for team, role in roles:
            MembershipFactory.create(user=user, team=team, role=role)
        return user

    return Org(
        parent_manager=person("parent_manager", (sales, Role.MANAGER)),
        manager=person("manager", (team_a, Role.MANAGER)),
        sub_manager=person("sub_manager", (team_sub, Role.MANAGER)),
        rep=person("rep", (team_a, Role.REP)),
        teammate=person("teammate", (team_a, Role.REP)),
        sub_rep=person("sub_rep", (team_sub, Role.REP)),
        other_rep=person("other_rep", (team_b, Role.REP)),
        presales=person("presales", (back_office, Role.PRESALES)),
        delivery=person("delivery", (back_office, Role.DELIVERY)),
        finance=person("finance", (back_office, Role.FINANCE)),
        admin=person("admin_user", (back_office, Role.ADMIN)),
        team_a=team_a,
        team_sub=team_sub,
        team_b=team_b,
    )


@dataclass
class OrgAccounts:
    own: Account
    teammates: Account
    sub_teams: Account
    other_teams: Account


@pytest.fixture
def org_accounts(org: Org) -> OrgAccounts:
    """One account per relation, seen from ``org.rep``."""
    return OrgAccounts(
        own=AccountFactory.create(name="自己的客户", owner=org.rep),
        teammates=AccountFactory.create(name="同组的客户", owner=org.teammate),
        sub_teams=AccountFactory.create(name="子组的客户", owner=org.sub_rep),
        other_teams=AccountFactory.create(name="别组的客户", owner=org.other_rep),
    )
