"""The reminder chaos test in its short form (the full size, 1,000 reminders, five kills and two Redis restarts,
is run by hand: `python tests/chaos_reminders.py`; its figures are in the README).

Two real workers, two beats at once, a worker SIGKILLed twice and Redis restarted once while 200 reminders drain:
every one delivered, none doubled."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "chaos_reminders.py"
N = 200


def test_reminders_survive_killed_workers_and_a_restarted_redis_none_lost_none_doubled():
    # given / when
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--n", str(N), "--kills", "2", "--redis-restarts", "1", "--timeout", "60"],
        cwd=SCRIPT.parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=170,
        check=False,
    )

    # then
    output = run.stdout + run.stderr
    lines = [line for line in run.stdout.splitlines() if line.startswith("CHAOS ")]
    assert lines, output[-4000:]
    figures = json.loads(lines[-1].removeprefix("CHAOS "))
    assert run.returncode == 0, output[-4000:]
    assert figures["deliveries"] == N
    assert figures["delivered"] == N
    assert figures["duplicates"] == 0
    assert figures["failed"] == 0
    assert figures["inbox"] + figures["emails"] == N
    assert figures["inbox_rows"] == figures["inbox"]
    assert figures["distinct_message_ids"] == figures["emails"]
    assert figures["missing_emails"] == 0
    assert figures["unknown_emails"] == 0
    assert figures["chaos_events"] == 3
