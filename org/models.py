"""People, teams (a tree) and the roles people hold in teams."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from ltc.audit import audited


class Role(models.TextChoices):
    REP = "rep", _("Sales rep")
    MANAGER = "manager", _("Manager")
    PRESALES = "presales", _("Presales")
    DELIVERY = "delivery", _("Delivery")
    FINANCE = "finance", _("Finance")
    ADMIN = "admin", _("Administrator")


class RepLevel(models.TextChoices):
    JUNIOR = "junior", _("Junior")
    REGULAR = "regular", _("Regular")
    SENIOR = "senior", _("Senior")


class Region(models.TextChoices):
    EAST = "east", _("East China")
    NORTH = "north", _("North China")
    SOUTH = "south", _("South China")
    WEST = "west", _("West China")
    INTERNATIONAL = "intl", _("International")


@audited(exclude=["password", "last_login"])
class User(AbstractUser):
    """A person who signs in. Roles come from team memberships; level and region steer lead assignment."""

    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    rep_level = models.CharField(_("rep level"), max_length=16, choices=RepLevel.choices, blank=True)
    region = models.CharField(_("region"), max_length=16, choices=Region.choices, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    # The person's own clock for the morning digest; blank means the company's (settings.TIME_ZONE).
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username


@audited()
class Team(models.Model):
    """A node of the organisation tree; a manager of a team also manages every team below it."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent team"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    region = models.CharField(_("region"), max_length=16, choices=Region.choices, blank=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


@audited()
class Membership(models.Model):
    """A person holds a role in a team; a person may hold several roles and belong to several teams."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "team", "role"], name="org_membership_unique_role")]

    def __str__(self) -> str:
        return f"{self.user} · {self.team} · {self.get_role_display()}"
