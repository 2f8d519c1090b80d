from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import translation

from leads.models import Source
from org.models import Role, Team, User
from tests.factories import MembershipFactory, TeamFactory, UserFactory


@pytest.fixture(autouse=True)
def _english():
    # Messages are asserted word for word, in English; the Chinese ones are the catalogue's business.
    with translation.override("en"):
        yield


@dataclass
class Sales:
    east: Team
    south: Team
    manager: User
    senior_east: User
    regular_east: User
    junior_east: User
    senior_south: User
    website: Source


@pytest.fixture
def sales(db) -> Sales:
    east = TeamFactory.create(name="华东", region="east")
    south = TeamFactory.create(name="华南", region="south")

    def rep(username: str, level: str, region: str, team: Team) -> User:
        user = UserFactory.create(username=username, rep_level=level, region=region)
        MembershipFactory.create(user=user, team=team, role=Role.REP)
        return user

    manager = UserFactory.create(username="east_manager", region="east")
    MembershipFactory.create(user=manager, team=east, role=Role.MANAGER)
    return Sales(
        east=east,
        south=south,
        manager=manager,
        senior_east=rep("senior_east", "senior", "east", east),
        regular_east=rep("regular_east", "regular", "east", east),
        junior_east=rep("junior_east", "junior", "east", east),
        senior_south=rep("senior_south", "senior", "south", south),
        website=Source.objects.get(code="website"),
    )


HOT: dict[str, Any] = {
    "size": "enterprise",
    "industry": "软件",
    "intent": "high",
    "budget": "confirmed",
    "timeline": "1m",
}  # A, 100
WARM: dict[str, Any] = {"size": "medium", "intent": "high", "budget": "planned"}  # B, 45
COOL: dict[str, Any] = {"size": "medium", "intent": "medium", "timeline": "3m"}  # C, 30
COLD: dict[str, Any] = {"intent": "low"}  # D, 0
