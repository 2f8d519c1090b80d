from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from customers.models import Account, Contact
from org.models import Membership, Role, Team, User


def counts() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Team.objects.count(),
        Membership.objects.count(),
        Account.objects.count(),
        Contact.objects.count(),
    )


def test_demo_builds_a_company_with_every_role_and_is_idempotent(db):
    first = StringIO()
    call_command("ltc_demo", stdout=first)
    after_first = counts()

    second = StringIO()
    call_command("ltc_demo", stdout=second)

    assert after_first == (22, 10, 24, 18, 12)
    assert counts() == after_first
    assert "org.demo: 0 new records" in second.getvalue()
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    assert Team.objects.filter(parent__isnull=False).exclude(region="").values("region").distinct().count() == 4
    # Chinese and English names
    names = set(User.objects.values_list("display_name", flat=True))
    assert {"李雷", "James Wilson"} <= names


def test_every_demo_login_works_with_the_printed_password(db, client):
    out = StringIO()
    call_command("ltc_demo", stdout=out)
    password = out.getvalue().split("password for all: ")[1].split(")")[0]

    for line in out.getvalue().splitlines()[3:]:
        username = line.split()[0]
        assert client.login(username=username, password=password), username
        client.logout()
