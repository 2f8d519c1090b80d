"""Who may see what: the one rule every list, detail, export, search and dashboard goes through.

The rule (ARCHITECTURE.md):
- a rep sees the records they own;
- a manager sees the records owned by anyone in the teams they manage, sub-teams included;
- people on a deal (the iron triangle: sales, presales, delivery) see that deal and what follows from it;
- finance sees every record an entity marks as finance-visible (contracts, invoices, payments, customers);
- an administrator sees everything.

Each app declares, per entity, how a record relates to people (a `Visibility`), and exposes
`<entity>_visible_to(user)` built on `visible()`. A record outside the scope answers 404, never 403.

This module imports no app: `org` registers the loader that reads roles and teams.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class AccessProfile:
    """What one person's scope is, computed once per request."""

    user_id: int
    roles: frozenset[str] = frozenset()
    sees_all: bool = False
    finance: bool = False
    # The people whose records this person sees as owner or manager: themselves and,
    # for a manager, every member of every team they manage and of the teams below.
    owner_ids: frozenset[int] = frozenset()
    managed_team_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Visibility:
    """How a model's records relate to people.

    owner: path to the owning user's id field (``"owner_id"``, ``"opportunity__owner_id"``).
    team: path to the id of the team a record is routed to (an unassigned lead waits in its team's pool);
        managers of that team, or of a team above it, see it.
    members: paths to user ids of people working on the record (the deal team), who see it too.
    finance: finance sees every record of this model.
    """

    owner: str = "owner_id"
    team: str | None = None
    members: tuple[str, ...] = field(default_factory=tuple)
    finance: bool = False


_loader: Callable[[Any], AccessProfile] | None = None
_CACHE_ATTR = "_ltc_access_profile"


def register_profile_loader(loader: Callable[[Any], AccessProfile]) -> None:
    global _loader
    _loader = loader


def profile_for(user: Any) -> AccessProfile | None:
    """The person's scope, or None for anonymous and inactive users (who see nothing)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if _loader is None:  # pragma: no cover - wiring error, caught by every test
        raise RuntimeError("No access profile loader registered; is the org app installed?")
    profile = _loader(user)
    setattr(user, _CACHE_ATTR, profile)
    return profile


def forget_profile(user: Any) -> None:
    """Drop the cached scope after a change of roles or teams."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def visible(queryset: QuerySet[M], user: Any, rule: Visibility) -> QuerySet[M]:
    """Narrow ``queryset`` to the records ``user`` may see under ``rule``; never widens it."""
    profile = profile_for(user)
    if profile is None:
        return queryset.none()
    if profile.sees_all or (rule.finance and profile.finance):
        return queryset
    condition = Q(**{f"{rule.owner}__in": sorted(profile.owner_ids)})
    if rule.team and profile.managed_team_ids:
        condition |= Q(**{f"{rule.team}__in": sorted(profile.managed_team_ids)})
    model = queryset.model
    for path in rule.members:
        # A subquery rather than a join: a deal with several team members must not repeat.
        on_it = model._default_manager.filter(**{path: profile.user_id}).values("pk")
        condition |= Q(pk__in=on_it)
    return queryset.filter(condition)


def can_see(user: Any, obj: Model, rule: Visibility) -> bool:
    """Whether ``user`` sees ``obj``: the same rule as `visible`, for one record."""
    return visible(type(obj)._default_manager.filter(pk=obj.pk), user, rule).exists()
