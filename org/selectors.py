"""Reads of people and teams, and the access profile the visibility layer runs on."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import QuerySet

from ltc.access import AccessProfile
from org.models import Membership, Role, Team, User

_SUBTREE_SQL = """
WITH RECURSIVE subtree(id) AS (
    SELECT id FROM org_team WHERE id = ANY(%s)
    UNION
    SELECT t.id FROM org_team t JOIN subtree s ON t.parent_id = s.id
)
SELECT id FROM subtree
"""


def team_subtree_ids(*, team_ids: Iterable[int]) -> set[int]:
    """The given teams and every team below them (a recursive query; the tree has no cycles)."""
    ids = list(team_ids)
    if not ids:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(_SUBTREE_SQL, [ids])
        return {row[0] for row in cursor.fetchall()}


def access_profile_for(user: User) -> AccessProfile:
    """Compute a person's scope from their memberships (three queries at most)."""
    memberships = list(Membership.objects.filter(user=user).values_list("team_id", "role"))
    roles = frozenset(role for _, role in memberships)
    sees_all = user.is_superuser or Role.ADMIN in roles
    managed = team_subtree_ids(team_ids={team for team, role in memberships if role == Role.MANAGER})
    owner_ids = {user.pk}
    if managed:
        owner_ids |= set(Membership.objects.filter(team_id__in=managed).values_list("user_id", flat=True))
    return AccessProfile(
        user_id=user.pk,
        roles=roles,
        sees_all=sees_all,
        finance=Role.FINANCE in roles,
        owner_ids=frozenset(owner_ids),
        managed_team_ids=frozenset(managed),
    )


def user_roles(*, user: User) -> list[str]:
    return sorted({m.role for m in Membership.objects.filter(user=user)})


def team_list() -> QuerySet[Team]:
    return Team.objects.select_related("parent").order_by("name")


def user_teams(*, user: User) -> QuerySet[Team]:
    return Team.objects.filter(memberships__user=user).distinct().order_by("name")


def home_team_id(user: User | None) -> int | None:
    """The team a person's new records belong to: the first team where they sell or manage."""
    if user is None:
        return None
    membership = Membership.objects.filter(user=user, role__in=[Role.REP, Role.MANAGER]).order_by("pk").first()
    return membership.team_id if membership else None


_ANCESTORS_SQL = """
WITH RECURSIVE up(id, parent_id, depth) AS (
    SELECT id, parent_id, 0 FROM org_team WHERE id = ANY(%s)
    UNION
    SELECT t.id, t.parent_id, up.depth + 1 FROM org_team t JOIN up ON t.id = up.parent_id
)
SELECT id, min(depth) FROM up GROUP BY id
"""


def managers_of(*, user: User) -> list[User]:
    """The active people who manage ``user``: the managers of the nearest team above or at the person's teams
    that has any (a manager of a team manages every team below it), never the person themselves. Empty when
    nobody manages them (a top manager)."""
    teams = list(Membership.objects.filter(user=user).values_list("team_id", flat=True).distinct())
    if not teams:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_ANCESTORS_SQL, [teams])
        depth = dict(cursor.fetchall())
    managers = (
        Membership.objects.filter(team_id__in=depth, role=Role.MANAGER, user__is_active=True)
        .exclude(user=user)
        .select_related("user")
        .order_by("user_id")
    )
    nearest = min((depth[m.team_id] for m in managers), default=None)
    seen: dict[int, User] = {}
    for membership in managers:
        if depth[membership.team_id] == nearest:
            seen.setdefault(membership.user_id, membership.user)
    return list(seen.values())


def finance_people() -> QuerySet[User]:
    """Everyone active who holds the finance role in some team."""
    return User.objects.filter(is_active=True, memberships__role=Role.FINANCE).distinct().order_by("pk")
