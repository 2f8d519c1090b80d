"""The benchmark (`make bench`): builds its own database, seeds it through the paths users use, times them.

Run through the launcher so that it reaches the same PostgreSQL and Redis as everything else:
    python -m ltc.launcher bench [--leads N]
Figures go to stdout and to bench/results.json (the README quotes them with the date and machine).

Issue 9's data set: people in sales teams (``--users``, ``--teams``) before the imports; after the services' own
invoices, contracts on won deals with orders, payment plans, invoices and allocated payments written in bulk
(``--contracts``, ``--installments``, ``--invoices-bulk``, ``--payments``; bench/seed.py), then ANALYZE. Each list,
board and dashboard is timed against its raw-SQL floor: the same rows or aggregate written by hand in one query
and run as many times in the same run; ``x_floor`` is the ratio of the medians. A table closes the output.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ltc.settings.test")

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华文辉志强晓东海燕红梅"
CITIES = ["上海", "北京", "深圳", "广州", "杭州", "苏州", "南京", "成都", "武汉", "天津", "宁波", "青岛"]
INDUSTRIES = ["智能制造", "软件", "医疗器械", "新能源", "物流", "电子商务", "食品饮料", "机械制造", "教育", "金融"]
SIZES = ["小型", "中型", "大型", "超大型", "微型"]
INTENTS = ["高", "中", "低", ""]
BUDGETS = ["已确认", "规划中", "无", ""]
TIMELINES = ["一个月内", "三个月内", "半年内", "不确定", ""]
SOURCES = ["官网表单", "展会", "客户推荐", "电话开发", "渠道伙伴", "线上广告", "微信公众号"]


def lead_csv(rows: int, owners: list[str], seed: int = 7) -> bytes:
    """A GBK CSV of ``rows`` leads with realistic repeats (about 2 % share a phone with an earlier row)."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    lines = ["姓名,公司,手机,邮箱,行业,规模,区域,城市,意向,预算,采购时间,来源,负责人"]
    phones: list[str] = []
    for i in range(rows):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.5 else "")
        city = rng.choice(CITIES)
        if phones and rng.random() < 0.02:
            phone = rng.choice(phones)
        else:
            phone = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
            phones.append(phone)
        formatted = rng.choice(
            [phone, f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}", f"{phone[:3]} {phone[3:7]} {phone[7:]}"]
        )
        lines.append(
            ",".join(
                [
                    name,
                    f"{city}{rng.choice(INDUSTRIES)}有限公司{i % 9973}",
                    formatted,
                    f"lead{i}@example{i % 97}.cn",
                    rng.choice(INDUSTRIES),
                    rng.choice(SIZES),
                    rng.choice(["华东", "华北", "华南", "华西", ""]),
                    city,
                    rng.choice(INTENTS),
                    rng.choice(BUDGETS),
                    rng.choice(TIMELINES),
                    rng.choice(SOURCES),
                    owners[i % len(owners)] if owners else "",
                ]
            )
        )
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


MAPPING = {
    "name": "姓名",
    "company": "公司",
    "phone": "手机",
    "email": "邮箱",
    "industry": "行业",
    "size": "规模",
    "region": "区域",
    "city": "城市",
    "intent": "意向",
    "budget": "预算",
    "timeline": "采购时间",
    "source": "来源",
    "owner": "负责人",
}


def bench_import(rows: int) -> dict[str, float | int]:
    from leads.models import Lead
    from ltc import importer
    from org.models import Membership, Role

    reps = sorted(set(Membership.objects.filter(role=Role.REP).values_list("user__username", flat=True)))
    data = lead_csv(rows, reps)
    started = time.perf_counter()
    table = importer.read_table(data, "bench.csv")
    read = time.perf_counter()
    preview = importer.validate(table, importer.spec_for("leads"), MAPPING)
    checked = time.perf_counter()
    assert preview.ok, preview.errors[:5]
    result = importer.commit(preview, None)
    done = time.perf_counter()
    assert Lead.objects.count() >= rows
    total = done - started
    return {
        "rows": rows,
        "file_mb": round(len(data) / 2**20, 1),
        "read_s": round(read - started, 2),
        "validate_and_duplicates_s": round(checked - read, 2),
        "write_s": round(done - checked, 2),
        "total_s": round(total, 2),
        "rows_per_s": round(rows / total),
        "duplicates_flagged": result["duplicates"],
    }


def _timed(client, url: str, runs: int) -> dict[str, float | int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm: templates compiled, caches filled
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    times.sort()
    return {
        "median_ms": round(times[len(times) // 2], 1),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
        "queries": len(captured),
    }


def _floor(sql: str, params: dict[str, object], runs: int) -> dict[str, float | int]:
    """The raw-SQL floor of a page: the same aggregate (or the page's rows) written by hand in one query, run as
    many times as the page (after one warm-up) through the same connection."""
    from django.db import connection

    times = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.fetchall()
        for _ in range(runs):
            started = time.perf_counter()
            cursor.execute(sql, params)
            rows = cursor.fetchall()
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "median_ms": round(times[len(times) // 2], 2),
        "p95_ms": round(times[max(int(len(times) * 0.95) - 1, 0)], 2),
        "rows": len(rows),
    }


def _against(page: dict[str, float | int], floor: dict[str, float | int]) -> dict[str, float | int]:
    """The page's figures with its floor's and the ratio of the medians (× floor)."""
    return {
        **page,
        "floor_median_ms": floor["median_ms"],
        "floor_p95_ms": floor["p95_ms"],
        "x_floor": round(float(page["median_ms"]) / max(float(floor["median_ms"]), 0.01), 1),
    }


# --- the floors: one hand-written query per page. They read every row (no visibility filter): for the director
# (all of sales) and the administrator that is what the page shows, or a little more, so the ratio is not flattered.

FLOOR_LEAD_ROWS = """
    SELECT l.*, u.display_name, u.username FROM leads_lead l LEFT JOIN org_user u ON u.id = l.owner_id
     WHERE (%(owner)s::bigint IS NULL OR l.owner_id = %(owner)s)
     ORDER BY l.created_at DESC, l.id DESC LIMIT 25"""
FLOOR_DEAL_ROWS = """
    SELECT o.*, s.name, a.name, u.display_name FROM opportunities_opportunity o
      JOIN opportunities_stage s ON s.id = o.stage_id JOIN customers_account a ON a.id = o.account_id
      LEFT JOIN org_user u ON u.id = o.owner_id
     WHERE (%(owner)s::bigint IS NULL OR o.owner_id = %(owner)s)
     ORDER BY o.created_at DESC, o.id DESC LIMIT 25"""
FLOOR_BOARD = """
    SELECT * FROM (
        SELECT o.id, o.name, o.amount, o.currency, o.stage_entered_at, o.stage_id, a.name AS account, u.display_name,
               row_number() OVER (PARTITION BY o.stage_id ORDER BY o.stage_entered_at DESC, o.id DESC) AS n,
               count(*) OVER (PARTITION BY o.stage_id) AS in_stage,
               sum(o.amount) FILTER (WHERE o.currency = 'CNY') OVER (PARTITION BY o.stage_id) AS total
          FROM opportunities_opportunity o JOIN customers_account a ON a.id = o.account_id
          LEFT JOIN org_user u ON u.id = o.owner_id
         WHERE (%(owner)s::bigint IS NULL OR o.owner_id = %(owner)s)
           AND (o.closed_at IS NULL OR o.closed_at >= now() - interval '30 days')
    ) t WHERE n <= 30"""
# the six stages of the funnel, counted and summed in the period (by activity), in one statement
FLOOR_FUNNEL = """
    SELECT * FROM
      (SELECT count(*) FROM leads_lead WHERE created_at >= %(since)s AND created_at < %(until)s) leads,
      (SELECT count(*), coalesce(sum(amount) FILTER (WHERE currency = 'CNY'), 0) FROM opportunities_opportunity
        WHERE created_at >= %(since)s AND created_at < %(until)s) deals,
      (SELECT count(*), coalesce(sum(o.amount) FILTER (WHERE o.currency = 'CNY'), 0)
         FROM opportunities_opportunity o JOIN opportunities_stage s ON s.id = o.stage_id
         LEFT JOIN opportunities_quote q ON q.opportunity_id = o.id AND q.status = 'accepted'
        WHERE (s.category = 'won' OR q.id IS NOT NULL)
          AND least(q.decided_at, CASE WHEN s.category = 'won' THEN o.closed_at END) >= %(since)s
          AND least(q.decided_at, CASE WHEN s.category = 'won' THEN o.closed_at END) < %(until)s) won,
      (SELECT count(*), coalesce(sum(total) FILTER (WHERE currency = 'CNY'), 0) FROM contracts_contract
        WHERE status IN ('signed', 'completed', 'terminated') AND signed_on BETWEEN %(start)s AND %(end)s) signed,
      (SELECT count(*), coalesce(sum(c.total) FILTER (WHERE c.currency = 'CNY'), 0)
         FROM contracts_order r JOIN contracts_contract c ON c.id = r.contract_id
        WHERE r.status <> 'cancelled' AND r.customer_accepted_on BETWEEN %(start)s AND %(end)s) accepted,
      (SELECT count(*) FILTER (WHERE s > 0), coalesce(sum(s) FILTER (WHERE s > 0 AND currency = 'CNY'), 0) FROM (
          SELECT i.contract_id, i.currency, sum(a.amount) s FROM receivables_allocation a
            JOIN receivables_invoice i ON i.id = a.invoice_id JOIN receivables_payment p ON p.id = a.payment_id
           WHERE i.kind = 'invoice' AND i.contract_id IS NOT NULL AND p.received_on BETWEEN %(start)s AND %(end)s
           GROUP BY i.contract_id, i.currency) per_contract) cash"""
# days in each stage: median and 80th percentile of the stays that ended in the period, deal stages from the stage
# history and the post-sale hops from their records, in one statement
FLOOR_STAGE_TIMES = """
    WITH stays AS (
        SELECT to_stage_id::text AS stage, at AS began,
               lead(at) OVER (PARTITION BY opportunity_id ORDER BY at, id) AS ended
          FROM opportunities_stagechange),
    days AS (
        SELECT stage, extract(epoch FROM ended - began) / 86400 AS d, ended::date AS ended FROM stays
         WHERE ended >= %(since)s AND ended < %(until)s
        UNION ALL
        SELECT 'won_signed', c.signed_on - q.decided_at::date, c.signed_on FROM contracts_contract c
          JOIN opportunities_quote q ON q.id = c.quote_id WHERE c.signed_on BETWEEN %(start)s AND %(end)s
        UNION ALL
        SELECT 'signed_handoff', r.accepted_at::date - c.signed_on, r.accepted_at::date FROM contracts_order r
          JOIN contracts_contract c ON c.id = r.contract_id
         WHERE r.accepted_at >= %(since)s AND r.accepted_at < %(until)s
        UNION ALL
        SELECT 'delivered_accepted', customer_accepted_on - delivered_on, customer_accepted_on FROM contracts_order
         WHERE customer_accepted_on BETWEEN %(start)s AND %(end)s AND delivered_on IS NOT NULL
        UNION ALL
        SELECT 'due_paid', settled_on - due_on, settled_on FROM contracts_installment
         WHERE settled_on BETWEEN %(start)s AND %(end)s AND due_on IS NOT NULL)
    SELECT stage, count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY d),
           percentile_cont(0.8) WITHIN GROUP (ORDER BY d) FROM days GROUP BY stage"""
# per rep: deals opened, won, lost, won amount, median days to win, and the cash on their invoices in the period
FLOOR_REPS = """
    SELECT o.owner_id, count(*) FILTER (WHERE o.created_at >= %(since)s AND o.created_at < %(until)s),
           count(*) FILTER (WHERE s.category = 'won' AND o.closed_at >= %(since)s AND o.closed_at < %(until)s),
           count(*) FILTER (WHERE s.category = 'lost' AND o.closed_at >= %(since)s AND o.closed_at < %(until)s),
           sum(o.amount) FILTER (WHERE s.category = 'won' AND o.closed_at >= %(since)s AND o.closed_at < %(until)s),
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM o.closed_at - o.created_at) / 86400)
             FILTER (WHERE s.category = 'won' AND o.closed_at >= %(since)s AND o.closed_at < %(until)s),
           max(cash.s)
      FROM opportunities_opportunity o JOIN opportunities_stage s ON s.id = o.stage_id
      LEFT JOIN (SELECT i.owner_id, sum(a.amount) s FROM receivables_allocation a
                   JOIN receivables_invoice i ON i.id = a.invoice_id JOIN receivables_payment p ON p.id = a.payment_id
                  WHERE p.received_on BETWEEN %(start)s AND %(end)s GROUP BY i.owner_id) cash
        ON cash.owner_id = o.owner_id
     GROUP BY o.owner_id"""
# aging of the open balance by days past due, overdue per owner, collections per month: one statement
FLOOR_RECEIVABLES = """
    WITH open AS (
        SELECT owner_id, %(end)s::date - due_on AS late, total - allocated - credited - written_off AS balance
          FROM receivables_invoice
         WHERE kind = 'invoice' AND status IN ('issued', 'partially_paid') AND currency = 'CNY')
    SELECT
      (SELECT json_agg(b) FROM (
          SELECT CASE WHEN late <= 0 THEN 'current' WHEN late <= 30 THEN '1_30' WHEN late <= 60 THEN '31_60'
                      WHEN late <= 90 THEN '61_90' ELSE '90_plus' END AS bucket, count(*), sum(balance)
            FROM open GROUP BY 1) b),
      (SELECT json_agg(w) FROM (
          SELECT owner_id, count(*), sum(balance) FROM open WHERE late > 0 GROUP BY owner_id) w),
      (SELECT json_agg(m) FROM (
          SELECT date_trunc('month', p.received_on) AS month, sum(a.amount) FROM receivables_allocation a
            JOIN receivables_payment p ON p.id = a.payment_id
           WHERE p.received_on BETWEEN %(start)s AND %(end)s GROUP BY 1) m)"""
# the month's pack: the funnel of the month, deals moved, deals stalled (open longer than 60 days in their stage),
# contracts signed, cash received and overdue at the month's end
_REVIEW_MORE = """,
      (SELECT count(DISTINCT opportunity_id) FROM opportunities_stagechange
        WHERE at >= %(since)s AND at < %(until)s) moved,
      (SELECT json_agg(x) FROM (SELECT o.id, o.owner_id, o.stage_id, o.stage_entered_at
         FROM opportunities_opportunity o JOIN opportunities_stage s ON s.id = o.stage_id
        WHERE s.category = 'open' AND o.stage_entered_at < %(until)s - interval '60 days'
        ORDER BY o.stage_entered_at LIMIT 100) x) stalled,
      (SELECT count(*), coalesce(sum(total - allocated - credited - written_off), 0) FROM receivables_invoice
        WHERE kind = 'invoice' AND status IN ('issued', 'partially_paid') AND due_on < %(end)s) overdue"""
FLOOR_REVIEW = FLOOR_FUNNEL + _REVIEW_MORE


def _period(start: object, end: object) -> dict[str, object]:
    from datetime import datetime as moment
    from datetime import time as clock
    from datetime import timedelta

    from django.utils import timezone

    return {
        "start": start,
        "end": end,
        "since": timezone.make_aware(moment.combine(start, clock.min)),  # type: ignore[arg-type]
        "until": timezone.make_aware(moment.combine(end + timedelta(days=1), clock.min)),  # type: ignore[operator]
    }


def bench_lists(runs: int) -> dict[str, dict[str, float | int]]:
    """The lead list (page and API) over every imported lead, in-process like the peers' figures: for a
    manager who sees all of sales, and for one rep (filtered by the visibility layer), and with filters."""
    from django.db.models import Count
    from django.test import Client

    from leads.models import Lead
    from org.models import User

    results = {}
    busiest = Lead.objects.exclude(owner=None).values("owner").order_by().annotate(n=Count("pk")).order_by("-n")[0]
    people = {"manager": User.objects.get(username="director"), "rep": User.objects.get(pk=busiest["owner"])}
    for who, user in people.items():
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(user)
        rows = _floor(FLOOR_LEAD_ROWS, {"owner": None if who == "manager" else user.pk}, runs)
        results[f"lead list page, {who}"] = _against(_timed(client, "/leads/", runs), rows)
        results[f"lead list page, {who}, grade A + overdue, by score"] = _timed(
            client, "/leads/?grade=A&overdue=true&sort=-score", runs
        )
        results[f"leads API, {who}"] = _against(_timed(client, "/api/v1/leads/", runs), rows)
    results["leads visible to the rep"] = {"rows": Lead.objects.filter(owner=people["rep"]).count()}
    return results


def bench_deals(deals: int, runs: int) -> dict[str, object]:
    """Deals at the peers' scale and more: accounts and deals imported through the importer (the path users
    use), then the board, the deal list page and the API timed for a manager and the busiest rep."""
    from datetime import date, timedelta

    from django.db.models import Count
    from django.test import Client

    from ltc import importer
    from opportunities.models import Opportunity
    from org.models import Membership, Role, User

    rng = random.Random(11)  # noqa: S311 - test data
    reps = sorted(set(Membership.objects.filter(role=Role.REP).values_list("user__username", flat=True)))
    lines = ["客户名称,行业,城市,负责人"]
    accounts = [f"{rng.choice(CITIES)}{rng.choice(INDUSTRIES)}集团{i}" for i in range(max(deals // 15, 10))]
    lines += [f"{name},{rng.choice(INDUSTRIES)},{name[:2]},{reps[i % len(reps)]}" for i, name in enumerate(accounts)]
    started = time.perf_counter()
    preview = importer.validate(
        importer.read_table("\n".join(lines).encode(), "accounts.csv"),
        importer.spec_for("accounts"),
        {"name": "客户名称", "industry": "行业", "city": "城市", "owner": "负责人"},
    )
    assert preview.ok, preview.errors[:5]
    importer.commit(preview, None)
    stages = ["商机确认", "需求分析", "方案建议", "商务谈判", "赢单", "输单"]
    lines = ["编号,客户,负责人,阶段,开始日期,成交日期,金额"]
    today = date.today()
    for i in range(deals):
        # about a third won (10,800 of 30,000), so that the 10,000 contracts of the issue stand on won deals
        stage = rng.choices(stages, weights=[18, 14, 11, 8, 36, 13])[0]
        begun = today - timedelta(days=rng.randrange(1, 720))
        closed = (begun + timedelta(days=rng.randrange(5, 200))).isoformat() if stage in ("赢单", "输单") else ""
        amount = f"{rng.randrange(10, 5000) * 1000}.00"
        lines.append(f"B{i},{rng.choice(accounts)},{reps[i % len(reps)]},{stage},{begun.isoformat()},{closed},{amount}")
    data = ("\n".join(lines) + "\n").encode()
    preview = importer.validate(
        importer.read_table(data, "deals.csv"),
        importer.spec_for("opportunities"),
        {"external_ref": "编号", "account": "客户", "owner": "负责人", "stage": "阶段", "created_on": "开始日期",
         "close_date": "成交日期", "amount": "金额"},
    )  # fmt: skip
    assert preview.ok, preview.errors[:5]
    importer.commit(preview, None)
    loaded = time.perf_counter() - started
    results: dict[str, object] = {
        "deals": Opportunity.objects.count(),
        "accounts_and_deals_import_s": round(loaded, 2),
        "rows_per_s": round((deals + len(accounts)) / loaded),
    }
    busiest = Opportunity.objects.values("owner").order_by().annotate(n=Count("pk")).order_by("-n")[0]
    people = {"manager": User.objects.get(username="director"), "rep": User.objects.get(pk=busiest["owner"])}
    for who, user in people.items():
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(user)
        owner = {"owner": None if who == "manager" else user.pk}
        board, rows = _floor(FLOOR_BOARD, owner, runs), _floor(FLOOR_DEAL_ROWS, owner, runs)
        results[f"board, {who}"] = _against(_timed(client, "/opportunities/board/", runs), board)
        results[f"deal list page, {who}"] = _against(_timed(client, "/opportunities/", runs), rows)
        results[f"deals API, {who}"] = _against(_timed(client, "/api/v1/opportunities/", runs), rows)
        results[f"deals API, {who}, open only"] = _timed(client, "/api/v1/opportunities/?category=open", runs)
    results["deals of that rep"] = busiest["n"]
    return results


def bench_cash(invoices: int, runs: int) -> dict[str, object]:
    """Cash collection through its services: issuing invoices, recording payments allocated to them (one
    thread, then four at once on different invoices), and the invoice list over the API."""
    import threading
    from datetime import date, timedelta

    from django.db import connection
    from django.test import Client

    from customers.models import Account
    from org.models import User
    from receivables.models import Invoice
    from receivables.services import invoice_create, invoice_issue, payment_record

    rng = random.Random(13)  # noqa: S311 - test data
    finance = User.objects.get(username="qian.hui")
    accounts = list(Account.objects.order_by("pk")[:500])
    started = time.perf_counter()
    made = []
    for i in range(invoices):
        account = accounts[i % len(accounts)]
        total = f"{rng.randrange(1000, 500000)}.{rng.randrange(100):02d}"
        line = {"description": "实施服务", "total": total, "tax_rate": "6"}
        draft = invoice_create(actor=finance, account=account, lines=[line])
        issued_on = date.today() - timedelta(days=rng.randrange(1, 700))
        made.append(invoice_issue(actor=finance, invoice=draft, issued_on=issued_on))
    issued_s = time.perf_counter() - started

    def pay(batch: list) -> None:
        try:
            for invoice in batch:
                part = (invoice.total / 2).quantize(invoice.total)
                payment_record(actor=finance, account=invoice.account, payer=str(invoice.account),
                               received_on=invoice.issued_on, amount=part, allocations=[(invoice, part)])  # fmt: skip
        finally:
            connection.close()

    half = len(made) // 2
    started = time.perf_counter()
    pay(made[:half])
    one_thread_s = time.perf_counter() - started
    rest = made[half:]
    threads = [threading.Thread(target=pay, args=(rest[k::4],)) for k in range(4)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    four_threads_s = time.perf_counter() - started
    assert Invoice.objects.filter(status="partially_paid").count() == len(made)
    results: dict[str, object] = {
        "invoices": len(made),
        "issue_per_s": round(len(made) / issued_s),
        "payments_with_allocation_per_s_one_thread": round(half / one_thread_s),
        "payments_with_allocation_per_s_four_threads": round(len(rest) / four_threads_s),
    }
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(finance)
    results["invoices API, finance"] = _timed(client, "/api/v1/invoices/", runs)
    results["invoices API, finance, overdue"] = _timed(client, "/api/v1/invoices/?overdue=1", runs)
    return results


def bench_reminders(count: int) -> dict[str, object]:
    """The reminder path on the loaded data: ``count`` planned activities fall due within the last hour; one
    beat tick runs every registered source (leads, deals, quotes, installments, invoices, activities) and
    inserts their deliveries; a second tick must insert nothing; then workers claim and send them to the
    inbox, on one thread and on two at once."""
    import threading
    from datetime import timedelta

    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.utils import timezone

    from activities.models import Activity, Delivery, Notification
    from activities.notify import deliveries_claim, delivery_send, reminders_materialize
    from leads.models import Lead

    rng = random.Random(17)  # noqa: S311 - test data
    now = timezone.now()
    lead_type = ContentType.objects.get_for_model(Lead)
    leads = list(Lead.objects.exclude(owner=None).order_by("pk").values_list("pk", "owner_id")[:count])
    Activity.objects.bulk_create(
        [
            Activity(kind="call", subject=f"回访 {pk}", due_at=now - timedelta(seconds=rng.randrange(60, 3000)),
                     assignee_id=owner, target_type=lead_type, target_id=pk)
            for pk, owner in leads
        ],
        batch_size=2000,
    )  # fmt: skip
    started = time.perf_counter()
    first = reminders_materialize(now=now)
    first_s = time.perf_counter() - started
    started = time.perf_counter()
    second = reminders_materialize(now=now)
    second_s = time.perf_counter() - started
    assert second.created == 0, second
    pending = Delivery.objects.filter(status="pending").count()

    def drain(worker: str, sent: list[int]) -> None:
        try:
            while ids := deliveries_claim(worker=worker, batch=100, now=now):
                sent.extend(1 for i in ids if delivery_send(delivery_id=i, worker=worker, now=now) == "sent")
        finally:
            connection.close()

    half: list[int] = []
    started = time.perf_counter()
    while len(half) < pending // 2 and (ids := deliveries_claim(worker="bench-1", batch=100, now=now)):
        half.extend(1 for i in ids if delivery_send(delivery_id=i, worker="bench-1", now=now) == "sent")
    one_s = time.perf_counter() - started
    sent: list[list[int]] = [[], []]
    threads = [threading.Thread(target=drain, args=(f"bench-{k + 2}", sent[k])) for k in range(2)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    two_s = time.perf_counter() - started
    rest = sum(len(part) for part in sent)
    assert Notification.objects.count() == Delivery.objects.filter(channel="inbox", status="sent").count()
    return {
        "activities due": len(leads),
        "deliveries created by one tick": first.created,
        "tick_s": round(first_s, 2),
        "second tick created": second.created,
        "second_tick_s": round(second_s, 2),
        "inbox sends per s, one worker": round(len(half) / one_s),
        "inbox sends per s, two workers": round(rest / two_s) if two_s else 0,
        "left pending": Delivery.objects.filter(status="pending").count(),
    }


def bench_insights(runs: int) -> dict[str, object]:
    """The dashboards over the whole data set (the last twelve months, the default period): the funnel page,
    stage times, rep performance, the funnel API, the receivables tab and a month's review pack, for a manager
    who sees all of sales and for an administrator (who sees everything)."""
    from django.test import Client

    from org.models import Membership, Role, User

    admin = (
        User.objects.filter(memberships__role=Role.ADMIN).order_by("pk").first()
        or User.objects.filter(is_superuser=True).order_by("pk").first()
    )
    people = {"manager": User.objects.get(username="director")}
    if admin is not None:
        people["admin"] = admin
    from datetime import timedelta

    from django.utils import timezone

    from insights.forms import default_period

    today = timezone.localdate()
    year = _period(*default_period(today))
    last_day = today.replace(day=1) - timedelta(days=1)  # the review looks back on the last full month
    month = _period(last_day.replace(day=1), last_day)
    floors = {
        "funnel": _floor(FLOOR_FUNNEL, year, runs),
        "stage times": _floor(FLOOR_STAGE_TIMES, year, runs),
        "reps": _floor(FLOOR_REPS, year, runs),
        "receivables": _floor(FLOOR_RECEIVABLES, year, runs),
        "review": _floor(FLOOR_REVIEW, month, runs),
    }
    results: dict[str, object] = {
        "managers": Membership.objects.filter(role=Role.MANAGER).count(),
        "floors": floors,
    }
    for who, user in people.items():
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(user)
        for name, url, floor in (
            ("dashboard (funnel) page", "/insights/", "funnel"),
            ("stage times page", "/insights/stage-times/", "stage times"),
            ("rep performance page", "/insights/reps/", "reps"),
            ("funnel API", "/api/v1/insights/funnel/", "funnel"),
            ("receivables page", "/insights/receivables/", "receivables"),
            ("review pack (month)", "/insights/review/?period=month", "review"),
        ):
            results[f"{name}, {who}"] = _against(_timed(client, url, runs), floors[floor])
    return results


def print_table(results: dict[str, object]) -> None:
    """Every timed page of the run: median and p95 (ms), SQL queries, its floor's median and the ratio."""
    print(f"{'page':<58} {'median':>8} {'p95':>8} {'queries':>7} {'floor':>8} {'x floor':>7}")
    for section in ("lists", "deals", "cash", "insights"):
        for name, row in dict(results.get(section) or {}).items():
            if isinstance(row, dict) and "median_ms" in row:
                floor = f"{row['floor_median_ms']:.2f}" if "floor_median_ms" in row else "-"
                ratio = f"{row['x_floor']:.1f}x" if "x_floor" in row else "-"
                times = f"{row['median_ms']:>8.1f} {row['p95_ms']:>8.1f}"
                print(f"{name:<58} {times} {row['queries']:>7} {floor:>8} {ratio:>7}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=60, help="requests per timed page")
    parser.add_argument("--deals", type=int, default=30_000)
    parser.add_argument("--invoices", type=int, default=4_000)
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=200, help="people in all, with the demo company's")
    parser.add_argument("--teams", type=int, default=20, help="sales teams added for them")
    parser.add_argument("--contracts", type=int, default=10_000, help="signed contracts on won deals (bulk)")
    parser.add_argument("--installments", type=int, default=30_000)
    parser.add_argument("--invoices-bulk", type=int, default=30_000, help="invoices on installments (bulk)")
    parser.add_argument("--payments", type=int, default=25_000, help="payments allocated to them (bulk)")
    args = parser.parse_args()

    import django
    from django.test.utils import setup_databases, teardown_databases

    begun = time.perf_counter()
    django.setup()
    import seed  # bench/seed.py, beside this file

    names = setup_databases(verbosity=0, interactive=False, keepdb=False)
    try:
        from org import demo

        demo.load()  # the demo company's people, so that imported leads are routed to its reps
        started = time.perf_counter()
        people = seed.seed_people(args.users, args.teams, names=(SURNAMES, GIVEN))
        people["seconds"] = round(time.perf_counter() - started, 2)
        results: dict[str, object] = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            "args": vars(args),
            "people": people,
            "import_leads": bench_import(args.leads),
        }
        results["lists"] = bench_lists(args.runs)
        results["deals"] = bench_deals(args.deals, args.runs)
        results["cash"] = bench_cash(args.invoices, args.runs)
        started = time.perf_counter()
        cash = seed.seed_cash(args.contracts, args.installments, args.invoices_bulk, args.payments)
        cash["seconds"] = round(time.perf_counter() - started, 2)
        cash["running sums that disagree with their entries"] = seed.check_sums()
        assert not any(cash["running sums that disagree with their entries"].values()), cash
        cash["analyze_s"] = seed.analyze()
        results["contracts_and_cash_seed"] = cash
        results["reminders"] = bench_reminders(args.reminders)
        results["insights"] = bench_insights(args.runs)
        results["total_s"] = round(time.perf_counter() - begun, 1)
    finally:
        teardown_databases(names, verbosity=0)
    print(json.dumps(results, ensure_ascii=False, indent=2))
    print_table(results)
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
