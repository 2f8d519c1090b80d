"""The launcher behind `make run` and `make test`: bad input refused in one clear line, and a real run."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def launcher(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ltc.launcher", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "PORT", "DJANGO_SETTINGS_MODULE"}
    }
    return {**env, "LTC_DATA_DIR": str(tmp_path / "data"), **extra}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize(("given", "missing"), [("DATABASE_URL", "REDIS_URL"), ("REDIS_URL", "DATABASE_URL")])
def test_only_one_url_is_refused_naming_both(tmp_path, given, missing):
    result = launcher("run", env=clean_env(tmp_path, **{given: "redis://127.0.0.1:6379/0"}))

    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"ltc: error: {missing} is not set: set both DATABASE_URL and REDIS_URL to servers you run, "
        "or neither to use the embedded PostgreSQL and Valkey"
    )
    assert not (tmp_path / "data" / "pg").exists()


def test_an_unreachable_database_is_named_with_its_password_hidden(tmp_path):
    env = clean_env(tmp_path, DATABASE_URL="postgres://crm:s3cret@127.0.0.1:1/ltc", REDIS_URL="redis://127.0.0.1:1/0")

    result = launcher("run", env=env)

    assert result.returncode == 2
    line = result.stderr.strip()
    assert line.startswith("ltc: error: cannot reach PostgreSQL at DATABASE_URL=postgres://crm:***@127.0.0.1:1/ltc: ")
    assert "s3cret" not in result.stderr + result.stdout
    assert len(line.splitlines()) == 1


def test_an_unreachable_redis_is_named(tmp_path):
    env = clean_env(tmp_path, DATABASE_URL=os.environ["DATABASE_URL"], REDIS_URL="redis://127.0.0.1:1/0")

    result = launcher("run", env=env)

    assert result.returncode == 2
    assert result.stderr.startswith("ltc: error: cannot reach Redis at REDIS_URL=redis://127.0.0.1:1/0: ")


def test_a_second_run_is_refused_and_starts_nothing(tmp_path):
    # given a run holding the data folder's lock
    folder = tmp_path / "data"
    folder.mkdir()
    with open(folder / "run.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.write("4242")
        held.flush()
        # when another run starts
        result = launcher("run", env=clean_env(tmp_path))
    # then it is refused, and no server was created
    assert result.returncode == 2
    assert result.stderr.strip() == "ltc: error: another `make run` is already running (pid 4242); stop it first"
    assert sorted(p.name for p in folder.iterdir()) == ["run.lock"]


def test_a_busy_port_is_refused_before_anything_starts(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]

        result = launcher("run", env=clean_env(tmp_path, PORT=str(port)))

    assert result.returncode == 2
    assert result.stderr.strip() == f"ltc: error: port {port} on 127.0.0.1 is in use; stop what uses it or set PORT=…"
    assert not (tmp_path / "data" / "pg").exists()


def test_an_unknown_command_is_refused(tmp_path):
    result = launcher("serve", env=clean_env(tmp_path))

    assert result.returncode == 2
    assert "usage: python -m ltc.launcher run | test [pytest args] | bench [args] | services" in result.stderr


def test_run_brings_everything_up_and_ctrl_c_stops_it_all(tmp_path):
    """`make run` from nothing: embedded servers, migrate, demo, web + worker + beat; then Ctrl-C."""
    port = free_port()
    env = clean_env(tmp_path, PORT=str(port))
    process = subprocess.Popen(
        [sys.executable, "-m", "ltc.launcher", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output: list[str] = []
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 240
        for line in process.stdout:
            output.append(line)
            if "LTC CRM is up at" in line:
                break
            assert time.monotonic() < deadline, "".join(output[-30:])
        assert f"LTC CRM is up at http://127.0.0.1:{port}/" in output[-1], "".join(output[-30:])
        assert any("Demo logins (password for all: ltc-demo)" in line for line in output)

        # the worker's heartbeat turns health green
        health: dict = {}
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                    health = json.load(response)
                    break
            except urllib.error.HTTPError as not_yet:
                health = json.load(not_yet)
                time.sleep(1)
        assert health["status"] == "ok", health
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as response:
            assert "登录" in response.read().decode()
    finally:
        # Ctrl-C
        os.kill(process.pid, signal.SIGINT)
        rest, _ = process.communicate(timeout=90)
        output.append(rest)
    assert process.returncode == 0, "".join(output[-30:])
    assert output[-1].rstrip().endswith("ltc: stopped")
    # nothing it started is left: no web server, no PostgreSQL, no Valkey
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    assert not (tmp_path / "data" / "pg" / "postmaster.pid").exists()
    assert not (tmp_path / "data" / "valkey" / "valkey.sock").exists()
