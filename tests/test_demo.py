from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.db.models import Count

from customers.models import Account, Contact
from leads.models import Campaign, Grade, Lead, Status
from opportunities.models import Opportunity
from org import demo
from org.models import Membership, Role, Team, User


def counts() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Team.objects.count(),
        Membership.objects.count(),
        Account.objects.count(),
        Contact.objects.count(),
        Campaign.objects.count(),
        Lead.objects.count(),
        Opportunity.objects.count(),
    )


def test_demo_builds_a_company_with_every_role_and_is_idempotent(db, monkeypatch, tmp_path):
    # the Maven data set's import has its own test (opportunities/tests/test_maven.py)
    monkeypatch.setattr("opportunities.demo.MAVEN", tmp_path / "absent")
    first = StringIO()
    call_command("ltc_demo", stdout=first)
    after_first = counts()

    second = StringIO()
    call_command("ltc_demo", stdout=second)

    assert after_first == (22, 10, 24, 57, 51, 4, 2972, 39)
    assert counts() == after_first
    assert "org.demo: 0 new records" in second.getvalue()
    assert "leads.demo: 0 new records" in second.getvalue()
    # leads in every grade and every status, worked by the reps, with duplicates flagged
    assert set(Lead.objects.values_list("grade", flat=True)) == set(Grade.values)
    assert set(Lead.objects.values_list("status", flat=True)) == set(Status.values)
    assert not Lead.objects.filter(owner__isnull=False, team__isnull=True).exists()
    assert Lead.objects.filter(duplicate_of__isnull=False).count() > 0
    assert Lead.objects.filter(status=Status.CONVERTED).count() == Opportunity.objects.count()
    # the converted deals are worked through the pipeline: every stage holds some
    assert dict(Opportunity.objects.values_list("stage__name_en").annotate(n=Count("pk"))) == {
        "Qualification": 10, "Needs analysis": 9, "Solution / proposal": 8, "Negotiation": 6, "Won": 4, "Lost": 2,
    }  # fmt: skip
    assert Opportunity.objects.filter(stage__name_en="Won", quotes__status="accepted").count() == 4
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    assert Team.objects.filter(parent__isnull=False).exclude(region="").values("region").distinct().count() == 4
    # Chinese and English names
    names = set(User.objects.values_list("display_name", flat=True))
    assert {"李雷", "James Wilson"} <= names


def test_every_demo_login_works_with_the_printed_password(db, client):
    demo.load()
    out = StringIO()
    call_command("ltc_demo", "--print-logins", stdout=out)
    password = out.getvalue().split("password for all: ")[1].split(")")[0]

    logins = [line for line in out.getvalue().splitlines() if line.startswith("  ")]
    assert len(logins) == 9
    for line in logins:
        username = line.split()[0]
        assert client.login(username=username, password=password), username
        client.logout()
