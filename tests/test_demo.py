from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal
from io import StringIO

from django.apps import apps
from django.core.management import call_command
from django.db.models import Count, F, Min, Q, Sum
from django.utils import timezone

from activities.models import Activity
from contracts.models import Amendment, Approval, Contract, Installment, Order, OrderChange, ReviewItem
from contracts.services import approval_state
from customers.models import Account, Contact
from leads.models import Assignment, AssignmentRule, Campaign, Grade, Lead, Status
from opportunities.models import Opportunity
from org import demo
from org.models import Membership, Role, Team, User
from receivables.models import Allocation, Invoice, Payment, WriteOff
from receivables.selectors import invoice_list_visible_to


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
        Contract.objects.count(),
        Order.objects.count(),
        Approval.objects.count(),
    )


def contract_state(contract: Contract) -> str:
    """Where a contract stands, in the words of the demo's journey."""
    if contract.status == "draft":
        if not contract.installments.exists():
            return "draft, no plan"
        if contract.checks.count() < ReviewItem.objects.filter(active=True).count():
            return "draft, in review"
        refused = contract.approvals.filter(approved=False).first()
        if refused is not None:
            return f"draft, refused by {refused.step.approver}"
        waiting = approval_state(contract)[1]
        assert waiting is not None
        return f"draft, {waiting.approver} to approve"
    order = Order.objects.get(contract=contract)
    sent_back = " (sent back)" if order.returned_reason else ""
    return f"{contract.status} v{contract.version}, order {order.status}{sent_back}"


def test_demo_builds_a_company_with_every_role_and_is_idempotent(db, monkeypatch, tmp_path):
    # the Maven data set's import has its own test (opportunities/tests/test_maven.py)
    monkeypatch.setattr("opportunities.demo.MAVEN", tmp_path / "absent")
    first = StringIO()
    call_command("ltc_demo", stdout=first)
    after_first = counts()

    second = StringIO()
    call_command("ltc_demo", stdout=second)

    # the contracts demo wins 16 deals of its own (with their accounts and contacts) from older leads
    assert after_first == (22, 10, 24, 74, 68, 4, 2972, 56, 13, 9, 24)
    assert "leads.demo: 2976 new records" in first.getvalue()  # 4 campaigns, 2,972 leads
    assert "contracts.demo: 40 new records" in first.getvalue()  # 16 deals, 13 contracts, 9 orders, 2 amendments
    # 216 invoices (203 over two years, 13 of the contracts' installments), 1 credit note, 198 payments, 1 write-off
    assert "receivables.demo: 416 new records" in first.getvalue()
    assert counts() == after_first
    assert "org.demo: 0 new records" in second.getvalue()
    assert "leads.demo: 0 new records" in second.getvalue()
    assert "contracts.demo: 0 new records" in second.getvalue()
    assert "receivables.demo: 0 new records" in second.getvalue()
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
        "Qualification": 10, "Needs analysis": 9, "Solution / proposal": 8, "Negotiation": 6, "Won": 20, "Lost": 3,
    }  # fmt: skip
    assert Opportunity.objects.filter(stage__name_en="Won", quotes__status="accepted").count() == 20
    assert_contracts_and_orders()
    assert_receivables()
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    assert Team.objects.filter(parent__isnull=False).exclude(region="").values("region").distinct().count() == 4
    # Chinese and English names
    names = set(User.objects.values_list("display_name", flat=True))
    assert {"李雷", "James Wilson"} <= names


def assert_contracts_and_orders() -> None:
    now = timezone.now()
    # 13 of the 20 won deals (the oldest) have their contract, in every state a contract and its order go through
    assert Counter(contract_state(c) for c in Contract.objects.all()) == {
        "draft, no plan": 1,
        "draft, in review": 1,
        "draft, sales_manager to approve": 1,
        "draft, refused by finance": 1,
        "signed v1, order awaiting_handoff": 1,
        "signed v1, order awaiting_handoff (sent back)": 1,
        "signed v1, order accepted": 1,
        "signed v1, order in_delivery": 1,
        "signed v2, order in_delivery": 1,
        "signed v1, order delivered": 1,
        "signed v1, order customer_accepted": 2,
        "terminated v1, order cancelled": 1,
    }
    deals = Opportunity.objects.filter(contracts__isnull=False).values_list("pk", "closed_at")
    won_at = {pk: at for pk, at in deals if at is not None}
    assert len(won_at) == 13 and min(won_at.values()) < now - timedelta(days=50)
    for contract in Contract.objects.select_related("opportunity"):
        assert contract.plan_changed_at is not None
        assert won_at[contract.opportunity_id] < contract.created_at < now - timedelta(hours=1)
        assert won_at[contract.opportunity_id] < contract.plan_changed_at < now - timedelta(hours=1)
        # approvals by the owner's manager and finance, never by the owner, given after the plan last changed
        for approval in contract.approvals.select_related("step"):
            assert approval.by_id != contract.owner_id
            assert approval.at >= contract.plan_changed_at
            assert approval.at < now - timedelta(hours=1)
            roles = set(approval.by.memberships.values_list("role", flat=True))
            assert {"sales_manager": "manager", "finance": "finance"}[approval.step.approver] in roles
        if contract.status != "draft":
            assert approval_state(contract)[1] is None
            assert contract.installments.aggregate(s=Sum("amount"))["s"] == contract.total
            assert contract.signed_on is not None and contract.signed_on <= timezone.localdate()
    refusal = Approval.objects.get(approved=False)
    assert refusal.step.approver == "finance" and "预付款" in refusal.comment
    assert Order.objects.get(returned_reason__gt="").changes.filter(note__gt="").count() == 1
    # fulfilment steps in order, back-dated; delivery and acceptance made their installments invoiceable
    for order in Order.objects.all():
        times = list(order.changes.values_list("at", flat=True))
        assert times == sorted(times) and times[-1] < now - timedelta(hours=1)
    for installment in Installment.objects.filter(
        contract__order__status__in=["delivered", "customer_accepted"], milestone="delivery"
    ).select_related("contract__order"):
        delivered, days = installment.contract.order.delivered_on, installment.due_days
        assert delivered is not None and days is not None
        assert (installment.invoiceable, installment.due_on) == (True, delivered + timedelta(days=days))
    accepted = Installment.objects.filter(milestone="acceptance", contract__order__status="customer_accepted")
    assert accepted.count() == 1
    assert set(Installment.objects.filter(milestone="acceptance", invoiceable=True)) == set(accepted)
    # payment plans as Chinese B2B contracts write them: by percent or by round sums, a warranty retention a year on
    assert {"预付款", "到货款", "验收款", "质保金", "首付款"} <= set(
        Installment.objects.values_list("label", flat=True)
    )
    assert Installment.objects.filter(percent__isnull=True).exists()
    assert not Installment.objects.filter(
        label="质保金", due_on__lt=F("contract__created_at__date") + timedelta(days=365)
    ).exists()
    # one contract amended to version 2 (ten more gateways), one terminated (what was not reached cancelled)
    amended = Contract.objects.get(version=2)
    assert amended.versions.count() == 2
    assert amended.total == amended.versions.get(version=1).total + Decimal("72998.00")
    termination = Amendment.objects.get(kind="termination")
    assert termination.state == "applied" and termination.contract.status == "terminated"
    assert set(termination.contract.installments.values_list("invoiceable", "cancelled")) == {
        (True, False),
        (False, True),
    }
    assert OrderChange.objects.filter(to_status="cancelled").count() == 1
    # the audit history reads as it happened
    for label in ("contracts.ContractEvent", "contracts.OrderEvent", "contracts.InstallmentEvent"):
        assert not apps.get_model(label).objects.filter(pgh_created_at__gt=now - timedelta(hours=1)).exists()


def aging(as_of) -> dict[str, tuple[int, Decimal]]:
    """Open balances by days past due, as the receivables views bucket them."""
    buckets: dict[str, tuple[int, Decimal]] = {}
    for invoice in Invoice.objects.filter(kind="invoice", status__in=["issued", "partially_paid"]):
        late = (as_of - invoice.due_on).days
        bucket = next(name for name, upto in [("current", 0), ("1-30", 30), ("31-60", 60), ("61-90", 90),
                                               ("90+", 10**6)] if late <= upto)  # fmt: skip
        count, amount = buckets.get(bucket, (0, Decimal("0.00")))
        buckets[bucket] = (count + 1, amount + invoice.open_balance)
    return buckets


def assert_receivables() -> None:
    today = timezone.localdate()
    invoices = Invoice.objects.filter(kind="invoice")
    # two years of invoices: most paid, some in part, some overdue, one reversed (红冲), one written off
    assert dict(invoices.values_list("status").annotate(n=Count("pk"))) == {
        "paid": 179, "issued": 32, "partially_paid": 3, "credited": 1, "written_off": 1,
    }  # fmt: skip
    sums = invoices.aggregate(
        total=Sum("total"), paid=Sum("allocated"), credited=Sum("credited"), written_off=Sum("written_off")
    )
    # the contracts' installment amounts follow the demo's dates (drawn back from today), so the totals vary a
    # little from one run to another; the credit note and the write-off do not, and the books always balance
    assert (sums["credited"], sums["written_off"]) == (Decimal("50400.00"), Decimal("7600.00"))
    assert sums["total"] > sums["paid"] > Decimal("10000000.00")
    assert sum(invoice.open_balance for invoice in invoices) == (
        sums["total"] - sums["paid"] - sums["credited"] - sums["written_off"]
    )
    assert invoices.aggregate(first=Min("issued_on"))["first"] < today - timedelta(days=700)
    # every invoiceable installment of the signed contracts invoiced at its milestone; some paid, some half, some not
    assert Installment.objects.filter(invoiceable=True, cancelled=False, invoices__isnull=True).count() == 0
    assert dict(invoices.filter(installment__isnull=False).values_list("status").annotate(n=Count("pk"))) == {
        "paid": 6, "partially_paid": 2, "issued": 5,
    }  # fmt: skip
    # paid by transfer and by bank acceptance bill (承兑汇票), one bill settling two months; mostly by the due date
    assert dict(Payment.objects.values_list("method").annotate(n=Count("pk"))) == {
        "transfer": 160,
        "acceptance_bill": 38,
    }
    assert Payment.objects.annotate(n=Count("allocations")).filter(n=2, method="acceptance_bill").exists()
    paid = invoices.filter(status="paid")
    assert paid.filter(paid_on__lte=F("due_on")).count() > paid.count() / 2
    assert paid.filter(paid_on__gt=F("due_on") + timedelta(days=60)).exists()
    # the corrections: a credit note and the invoice issued again, a round sum leaving a credit, an allocation
    # reversed and made again to the invoice the customer meant, a balance written off by the finance manager
    note = Invoice.objects.get(kind="credit_note")
    wrong = note.corrects
    assert wrong is not None
    assert (note.total, wrong.status, wrong.allocated) == (wrong.total, "credited", Decimal("0.00"))
    assert invoices.filter(account=wrong.account, issued_on=note.issued_on, total=wrong.total).count() == 1
    assert [(p.account.name, p.amount - p.allocated) for p in Payment.objects.filter(allocated__lt=F("amount"))] == [
        ("深圳前海星辰科技有限公司", Decimal("6600.00"))
    ]
    undone = Allocation.objects.get(reversal_of__isnull=False).reversal_of
    assert undone is not None
    redone = undone.payment.allocations.get(reversal_of__isnull=True, reversal__isnull=True)
    assert (redone.invoice.status, redone.amount) == ("paid", undone.amount) and redone.invoice != undone.invoice
    write_off = WriteOff.objects.select_related("invoice").get()
    assert (write_off.state, write_off.requested_by.username, getattr(write_off.decided_by, "username", "")) == (
        "approved", "tang.xue", "qian.hui",
    )  # fmt: skip
    assert (write_off.amount, write_off.invoice.status) == (Decimal("7600.00"), "written_off")
    # money in every aging bucket today
    buckets = aging(today)
    assert set(buckets) == {"current", "1-30", "31-60", "61-90", "90+"}
    assert sum(amount for _n, amount in buckets.values()) == sum(invoice.open_balance for invoice in invoices)
    assert all(amount > 0 for _n, amount in buckets.values())
    # owned by reps of four teams: a rep sees their own, the East China manager the region's, finance all
    assert invoices.values("owner").distinct().count() == 11
    assert set(invoice_list_visible_to(user=User.objects.get(username="li.lei")).values_list("owner__username")) == {
        ("li.lei",)
    }
    east = invoice_list_visible_to(user=User.objects.get(username="zhao.min"))
    assert set(east.values_list("owner__username", flat=True)) == {"li.lei", "han.meimei", "xu.jing", "chen.jie"}
    assert invoice_list_visible_to(user=User.objects.get(username="tang.xue")).count() == 217
    # dated as it happened: on workdays, numbered in issue order within each year, recorded on the day
    assert not Payment.objects.filter(Q(received_on__gt=today) | Q(received_on__week_day__in=[1, 7])).exists()
    assert not invoices.filter(issued_on__week_day__in=[1, 7]).exists()
    for year in {day.year for day in invoices.values_list("issued_on", flat=True) if day}:
        numbers = list(
            invoices.filter(issued_on__year=year).order_by("issued_on", "pk").values_list("number", flat=True)
        )
        assert numbers == [f"FP{year}-{n:05d}" for n in range(1, len(numbers) + 1)]
    for invoice in invoices:
        assert timezone.localdate(invoice.created_at) == invoice.issued_on
        assert invoice.paid_on is None or invoice.issued_on <= invoice.paid_on <= today
    for payment in Payment.objects.all():
        assert timezone.localdate(payment.created_at) == payment.received_on
    for label in ("receivables.InvoiceEvent", "receivables.PaymentEvent"):
        assert not apps.get_model(label).objects.filter(pgh_created_at__gt=timezone.now() - timedelta(hours=1)).exists()


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
