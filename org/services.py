"""Every write to people, teams and memberships."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from ltc.access import forget_profile
from ltc.audit import acting_as
from ltc.errors import DomainError
from org.models import Membership, Role, Team, User
from org.selectors import team_subtree_ids

TEAM_CYCLE = "team_cycle"


@transaction.atomic
def team_create(
    *, actor: User | None, name: str, name_en: str = "", parent: Team | None = None, region: str = ""
) -> Team:
    """Create a team, optionally below ``parent``."""
    with acting_as(actor):
        return Team.objects.create(name=name, name_en=name_en, parent=parent, region=region)


@transaction.atomic
def team_update(*, actor: User | None, team: Team, name: str, name_en: str, parent: Team | None, region: str) -> Team:
    """Rename or move a team. Refuses a parent that is the team itself or one of its descendants."""
    team = Team.objects.select_for_update().get(pk=team.pk)
    if parent is not None and parent.pk in team_subtree_ids(team_ids=[team.pk]):
        raise DomainError(_("A team cannot be moved below itself or one of its sub-teams."), code=TEAM_CYCLE)
    team.name, team.name_en, team.parent, team.region = name, name_en, parent, region
    with acting_as(actor):
        team.save()
    return team


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str | None,
    display_name: str = "",
    email: str = "",
    rep_level: str = "",
    region: str = "",
    is_superuser: bool = False,
) -> User:
    """Create a person who can sign in (or cannot, when ``password`` is None)."""
    with acting_as(actor):
        user = User(
            username=username,
            display_name=display_name,
            email=email,
            rep_level=rep_level,
            region=region,
            is_superuser=is_superuser,
            is_staff=is_superuser,
        )
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    return user


@transaction.atomic
def membership_add(*, actor: User | None, user: User, team: Team, role: str) -> Membership:
    """Give ``user`` a role in ``team``; adding a role already held changes nothing."""
    if role not in Role.values:
        raise DomainError(_("Unknown role: %(role)s") % {"role": role}, code="invalid_role")
    with acting_as(actor):
        membership, _created = Membership.objects.get_or_create(user=user, team=team, role=role)
    if role == Role.ADMIN and not user.is_staff:
        with acting_as(actor):
            User.objects.filter(pk=user.pk).update(is_staff=True)
    forget_profile(user)
    return membership


@transaction.atomic
def membership_remove(*, actor: User | None, membership: Membership) -> None:
    with acting_as(actor):
        membership.delete()
    forget_profile(membership.user)


@transaction.atomic
def user_deactivate(*, actor: User | None, user: User) -> User:
    """Stop a person from signing in; their records stay, owned by them, for reassignment."""
    user = User.objects.select_for_update().get(pk=user.pk)
    user.is_active = False
    with acting_as(actor):
        user.save(update_fields=["is_active"])
    return user
