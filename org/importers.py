"""How a file of people becomes users and teams: each row a person, the team they sell in and their manager.

Teams named in the file are created or reused by name; people are reused by their display name or created with
a login made from their name (no password: an administrator sets one or they reset it). Managers become managers
of the team of the rows that name them (and only of it: a team per manager keeps each manager to their people).

The columns ``parent_team`` and ``top_team`` (optional) place a team that the file creates: below its parent
team, itself created below the top team when it is new, so that a file can build three levels (a sales centre,
its offices, a team per manager). A team or parent team that exists already stays where it is.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ltc.access import profile_for
from ltc.importer import Column, ImportSpec, choice, limited
from ltc.text import text_key
from org import services
from org.models import Region, RepLevel, Role, Team, User


def _columns() -> tuple[Column, ...]:
    return (
        Column("name", gettext_lazy("Name"), limited(150), required=True, aliases=("姓名", "sales_agent", "agent")),
        Column(
            "team", gettext_lazy("Team"), limited(100), required=True, aliases=("团队", "regional_office", "office")
        ),
        Column("manager", gettext_lazy("Manager"), limited(150), aliases=("经理", "主管")),
        Column("parent_team", gettext_lazy("Parent team"), limited(100), aliases=("上级团队",)),
        # the parent team's own parent, when the parent team is new (three levels from one file)
        Column("top_team", gettext_lazy("Top team"), limited(100), aliases=("最上级团队", "顶级团队")),
        Column("region", gettext_lazy("Region"), choice(Region), choices=Region, aliases=("区域", "大区")),
        Column("rep_level", gettext_lazy("Rep level"), choice(RepLevel), choices=RepLevel, aliases=("级别",)),
        Column("email", gettext_lazy("Email"), limited(254), aliases=("邮箱",)),
    )


def login_for(name: str, taken: set[str]) -> str:
    """``Anna Snelling`` → ``anna.snelling`` (``anna.snelling2`` when taken); other scripts → ``user<n>``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    base = re.sub(r"[^a-z0-9]+", ".", ascii_name).strip(".")[:140] or f"user{len(taken) + 1}"
    login, number = base, 1
    while login in taken:
        number += 1
        login = f"{base}{number}"
    taken.add(login)
    return login


def _people() -> dict[str, User]:
    return {text_key(u.display_name or u.username): u for u in User.objects.order_by("pk")}


def _duplicates(rows: list[dict[str, Any]]) -> list[tuple[int, str]]:
    known = _people()
    seen: dict[str, int] = {}
    found = []
    for index, row in enumerate(rows):
        key = text_key(row["name"])
        if key in known:
            found.append((index, _("person #%(id)d %(name)s") % {"id": known[key].pk, "name": known[key]}))
        elif key in seen:
            found.append((index, _("row %(row)d of this file") % {"row": seen[key] + 2}))
        seen.setdefault(key, index)
    return found


def _write(rows: list[dict[str, Any]], actor: Any) -> dict[str, Any]:
    teams = {text_key(t.name): t for t in Team.objects.order_by("pk")}
    people = _people()
    taken = set(User.objects.values_list("username", flat=True))
    created = 0

    def team_named(name: str, parent: str = "", top: str = "", region: str = "") -> Team:
        key = text_key(name)
        if key not in teams:
            above = team_named(parent, top) if parent else None
            if key not in teams:  # a row naming the same team at two levels: it is made once
                teams[key] = services.team_create(actor=actor, name=name.strip(), parent=above, region=region)
        return teams[key]

    def person(name: str, **fields: Any) -> User:
        nonlocal created
        key = text_key(name)
        if key not in people:
            people[key] = services.user_create(
                actor=actor, username=login_for(name, taken), password=None, display_name=name.strip(), **fields
            )
            created += 1
        return people[key]

    for row in rows:
        region = row.get("region", "")
        team = team_named(row["team"], row.get("parent_team", ""), row.get("top_team", ""), region)
        rep = person(row["name"], email=row.get("email", ""), rep_level=row.get("rep_level") or RepLevel.REGULAR,
                     region=region)  # fmt: skip
        services.membership_add(actor=actor, user=rep, team=team, role=Role.REP)
        if row.get("manager"):
            manager = person(row["manager"], region=region)
            services.membership_add(actor=actor, user=manager, team=team, role=Role.MANAGER)
    return {"created": created, "duplicates": len(_duplicates(rows)), "ids": []}


def _check_row(row: dict[str, Any]) -> dict[str, str]:
    if row.get("top_team") and not row.get("parent_team"):
        return {"top_team": _("A top team is the parent team's parent: give the parent team too.")}
    return {}


def _administrators_only(actor: Any) -> bool:
    profile = profile_for(actor)
    return bool(profile and profile.sees_all)


PEOPLE_IMPORT = ImportSpec(
    kind="people",
    label=gettext_lazy("people and teams"),
    columns=_columns(),
    write=_write,
    check_row=_check_row,
    duplicates=_duplicates,
    allowed=_administrators_only,
)
