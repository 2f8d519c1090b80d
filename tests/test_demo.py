from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from activities.models import Activity
from customers.models import Account, Contact
from leads.models import Assignment, AssignmentRule, Campaign, Grade, Lead, Status
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

    assert after_first == (22, 10, 24, 58, 52, 4, 2972, 40)
    assert "leads.demo: 2976 new records" in first.getvalue()  # 4 campaigns, 2,972 leads
    assert counts() == after_first
    assert "org.demo: 0 new records" in second.getvalue()
    assert "leads.demo: 0 new records" in second.getvalue()
    # leads in every grade and every status, worked by the reps, with duplicates flagged
    assert set(Lead.objects.values_list("grade", flat=True)) == set(Grade.values)
    assert set(Lead.objects.values_list("status", flat=True)) == set(Status.values)
    assert not Lead.objects.filter(owner__isnull=False, team__isnull=True).exists()
    assert Lead.objects.filter(duplicate_of__isnull=False).count() > 0
    assert Lead.objects.exclude(phone_key="").values("phone_key").annotate(n=Count("pk")).filter(n__gt=1).exists()
    # owners as the assignment rules give them: each grade to its rep levels, D to nurturing with nobody
    levels = dict(AssignmentRule.objects.values_list("grade", "levels"))
    for grade, level in Lead.objects.filter(owner__isnull=False).values_list("grade", "owner__rep_level").distinct():
        assert level in levels[grade], (grade, level)
    assert set(Lead.objects.filter(grade=Grade.D).values_list("owner", "status")) <= {
        (None, Status.NURTURING), (None, Status.DISQUALIFIED)
    }  # fmt: skip
    assert not Lead.objects.filter(assignments__how=Assignment.How.MANUAL).exists()
    assert not Lead.objects.filter(status=Status.DISQUALIFIED, disqualify_reason="").exists()
    # cadences under way: touches done (first contacts made) and first contacts overdue
    assert Activity.objects.filter(origin__startswith="cadence:", done_at__isnull=False).exists()
    assert Lead.objects.filter(status=Status.NEW, first_contact_due_at__lt=timezone.now()).exists()
    assert Lead.objects.filter(status=Status.CONVERTED).count() == Opportunity.objects.count()
    # the converted deals are worked through the pipeline: every stage holds some
    assert dict(Opportunity.objects.values_list("stage__name_en").annotate(n=Count("pk"))) == {
        "Qualification": 10, "Needs analysis": 9, "Solution / proposal": 8, "Negotiation": 6, "Won": 4, "Lost": 3,
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
