from __future__ import annotations

from datetime import date

import pytest

from contracts.models import HandoffItem, Order
from contracts.services import handoff_tick, order_accept, order_progress
from contracts.tests.test_contracts import quote  # noqa: F401 - the fixture
from contracts.tests.test_orders import order  # noqa: F401 - the fixture
from leads.tests.conftest import _english  # noqa: F401 - messages asserted in English
from org.models import Role
from tests.factories import MembershipFactory, TeamFactory, UserFactory


@pytest.fixture
def finance_manager(org):
    """The head of finance: approves write-offs."""
    person = UserFactory.create(username="finance_head")
    team = TeamFactory.create(name="财务部")
    MembershipFactory.create(user=person, team=team, role=Role.FINANCE)
    MembershipFactory.create(user=person, team=team, role=Role.MANAGER)
    return person


@pytest.fixture
def delivered(org, order) -> Order:  # noqa: F811
    """A signed contract (¥33,279.97: 30 % at signing +10 days, 60 % at delivery +30, 10 % at acceptance +15)
    whose order was delivered on 2026-11-26: the first two installments are invoiceable."""
    for item in HandoffItem.objects.all():
        handoff_tick(actor=org.rep if item.side == "sales" else org.delivery, order=order, item=item)
    order_accept(actor=org.delivery, order=order)
    order_progress(actor=org.delivery, order=order, to="in_delivery")
    order_progress(actor=org.delivery, order=order, to="delivered", on=date(2026, 11, 26))
    return order
