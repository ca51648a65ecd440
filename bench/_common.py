"""What the bench scripts share: paths, Django set-up on a fresh database, the environment of a
server process, starting daphne (through `testing/daphne.py`, the one way to start and stop one),
the common command-line flags, Mini App init data, and figure printing.

Every script starts with::

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

    from bench import _common

(run as `python bench/<script>.py`, only `bench/` is on the path; the project root must be too).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

from testing.daphne import (  # noqa: E402 - needs BASE_DIR on the path
    APPLICATION,
    free_port,
    spawn_daphne,
    start_daphne,
    stop_process,
    wait_healthy,
)

__all__ = [
    "APPLICATION",
    "BASE_DIR",
    "BENCH_BOT_TOKEN",
    "ONE_IP_SOCKETS",
    "ServeLayout",
    "PY",
    "VAR_DIR",
    "app_env",
    "django_setup",
    "free_port",
    "fresh_sqlite",
    "mini_app_init_data",
    "ms",
    "parser",
    "percentile",
    "rss_per_socket",
    "server",
    "server_env",
    "setup_django",
    "spawn_daphne",
    "spread",
    "start_daphne",
    "stop_process",
    "wait_healthy",
    "ws_origin",
]

VAR_DIR = BASE_DIR / "var"
PY = sys.executable
# A bot token for local servers only (never a real one): load-test init data is signed with it.
BENCH_BOT_TOKEN = "123456:bench-cluster-token"  # noqa: S105
# All sockets come from one IP: lift the per-IP handshake limit (core.ratelimit closes sockets
# over it with 4429).
ONE_IP_SOCKETS = {"WS_CONNECT_RATE": "1000000/m"}


# --- command line ---------------------------------------------------------------------------------


def parser(
    doc: str | None,
    *,
    first_line: bool = False,
    sockets: int | None = None,
    redis: bool = False,
    watchers: int | None = None,
    watchers_help: str = "watcher sockets",
    database_url: str | None = None,
    database_url_help: str | None = None,
    log_dir: bool = False,
) -> argparse.ArgumentParser:
    """An argument parser described by the first paragraph of `doc` (its first line with
    `first_line`), with the flags several scripts share when asked for: `--sockets N`,
    `--redis`, `--watchers N`, `--database-url URL`, `--log-dir DIR`."""
    description = None
    if doc:
        description = doc.splitlines()[0] if first_line else doc.split("\n\n")[0]
    p = argparse.ArgumentParser(description=description)
    if sockets is not None:
        p.add_argument("--sockets", type=int, default=sockets)
    if redis:
        p.add_argument("--redis", action="store_true", help="use REDIS_URL's channel layer")
    if watchers is not None:
        p.add_argument("--watchers", type=int, default=watchers, help=watchers_help)
    if database_url is not None:
        p.add_argument("--database-url", default=database_url, help=database_url_help)
    if log_dir:
        p.add_argument("--log-dir", help="keep the servers' stderr logs here")
    return p


# --- Django in this process -------------------------------------------------------------------------


def fresh_sqlite(path: Path) -> str:
    """Delete the SQLite database at `path` (with its -wal/-shm files); its DATABASE_URL."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def setup_django(
    db_name: str,
    *,
    secret_key: str | None = None,
    keep_redis: bool = False,
    seed: bool = False,
    **env: str,
) -> str:
    """Django in this process on a fresh SQLite database `var/<db_name>` (DEBUG on, eager Celery,
    quiet logs, `env` on top), migrated, with the demo club (`seed_demo`) when `seed`. REDIS_URL
    is dropped (in-memory layer, local-memory cache) unless `keep_redis`. Returns the
    DATABASE_URL, which is also in os.environ for the servers started afterwards."""
    url = fresh_sqlite(VAR_DIR / db_name)
    os.environ.update(
        {
            "DEBUG": "1",
            **({"SECRET_KEY": secret_key} if secret_key else {}),
            "DATABASE_URL": url,
            "LOG_LEVEL": "WARNING",
            "CELERY_TASK_ALWAYS_EAGER": "1",
            **env,
        }
    )
    if not keep_redis:
        os.environ.pop("REDIS_URL", None)
    django_setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if seed:
        with open(os.devnull, "w") as devnull:
            call_command("seed_demo", stdout=devnull)
    return url


# --- server processes -------------------------------------------------------------------------------


def server_env(base: dict | None = None, *, keep_redis: bool = True, **overrides: str) -> dict:
    """Environment of a server process on loopback: `base` (default: this process's environment),
    loopback hosts, no TLS redirect, then `overrides`; REDIS_URL dropped unless `keep_redis`."""
    env = dict(os.environ if base is None else base)
    if not keep_redis:
        env.pop("REDIS_URL", None)
    env.update({"ALLOWED_HOSTS": "127.0.0.1,localhost", "SECURE_SSL_REDIRECT": "0"})
    env.update(overrides)
    return env


def app_env(
    *,
    database_url: str,
    redis_url: str | None = None,
    prefix: str | None = None,
    bot_token: str = BENCH_BOT_TOKEN,
    **overrides: str,
) -> dict[str, str]:
    """Environment for app processes on loopback (DEBUG on, eager Celery, no TLS redirect).

    With `redis_url` the channel layer and the cache are Redis, under one key `prefix` shared by
    every process of the cluster (that is what makes them one app). Without it: in-memory layer
    and local-memory cache (the embedded mode of `make run`, one process only).
    """
    env = server_env(
        keep_redis=False,
        DEBUG="1",
        DATABASE_URL=database_url,
        CELERY_TASK_ALWAYS_EAGER="1",
        TELEGRAM_BOT_TOKEN=bot_token,
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    if redis_url:
        prefix = prefix or f"cluster{os.getpid()}"
        env.update(
            {
                "REDIS_URL": redis_url,
                "CELERY_BROKER_URL": "memory://",
                "CACHE_PREFIX": prefix,
                "CHANNELS_PREFIX": prefix,
            }
        )
    env.update(overrides)
    return env


@contextlib.contextmanager
def server(env: dict, *, application: str = APPLICATION, timeout: float = 30):
    """`with server(env) as (url, proc):` one daphne serving `application` with `env` on a free
    loopback port, healthy on entry (`testing.daphne.start_daphne`), stopped on exit
    (`testing.daphne.stop_process`)."""
    url, proc = start_daphne(env, timeout=timeout, application=application)
    try:
        yield url, proc
    finally:
        stop_process(proc)


class ServeLayout:
    """`with ServeLayout(env, log_dir) as layout:` `make serve`'s layout (deploy/serve.py: nginx →
    gunicorn sync workers and daphne, Celery worker and beat) on a free loopback port, started
    with `env` (DATABASE_URL and REDIS_URL must be in it) and stopped on exit. `urls` / `ws_urls`
    are its one address (lists, like bench.cluster.Cluster's); `pids` the daphne processes (the
    ones holding sockets), `processes` every process it printed, by name."""

    def __init__(self, env: dict, log_dir: Path, **overrides: str) -> None:
        self.port = free_port()
        self.env = {**env, "PORT": str(self.port), "SERVE_DIR": str(log_dir), **overrides}
        self.proc = None
        self.processes: dict[str, int] = {}

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{self.port}"]

    @property
    def ws_urls(self) -> list[str]:
        return [f"ws://127.0.0.1:{self.port}/ws/"]

    @property
    def pids(self) -> list[int]:
        return [pid for name, pid in self.processes.items() if name.startswith("daphne")]

    def start(self, timeout: float = 300) -> ServeLayout:
        self.proc = subprocess.Popen(  # noqa: S603
            [PY, str(BASE_DIR / "deploy" / "serve.py")], cwd=BASE_DIR, env=self.env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        for line in self.proc.stdout:
            if " pid " in line:
                name, _pid, pid = line.split()[:3]
                self.processes[name] = int(pid)
            if "Ctrl-C stops all" in line:
                return self
            if time.monotonic() > deadline:
                break
        self.stop()
        raise RuntimeError(f"make serve's layout did not start (logs: {self.env['SERVE_DIR']})")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)  # serve.py stops its children itself
        try:
            self.proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            stop_process(self.proc)

    def __enter__(self) -> ServeLayout:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def ws_origin(ws_url: str) -> str:
    """The Origin a browser page of the server behind `ws_url` would send
    (`ws://host:port/ws/` → `http://host:port`)."""
    return ws_url.replace("ws://", "http://").split("/ws/")[0]


def mini_app_init_data(telegram_id: int, bot_token: str = BENCH_BOT_TOKEN) -> str:
    """Mini App init data for a player with this Telegram id, signed with `bot_token` (what the
    Telegram client would send; the server must run with TELEGRAM_BOT_TOKEN=`bot_token`)."""
    from accounts.telegram_auth import sign_init_data  # pure Python: no Django set-up needed

    user = {"id": telegram_id, "first_name": f"Load{telegram_id}", "language_code": "ru"}
    fields = {
        "auth_date": str(int(time.time())),
        "query_id": f"load{telegram_id}",
        "user": json.dumps(user, separators=(",", ":")),
    }
    return sign_init_data(fields, bot_token)


# --- figures ----------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def ms(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds * 1000:.1f} ms"


def spread(values: list[float]) -> str:
    """`p50 …, p99 …, max …` of `values` (seconds), in milliseconds; dashes when empty."""
    if not values:
        return f"p50 {ms(None)}, p99 {ms(None)}, max {ms(None)}"
    return (
        f"p50 {ms(percentile(values, 50))}, p99 {ms(percentile(values, 99))}, max {ms(max(values))}"
    )


def rss_per_socket(rss_idle: int, rss_loaded: int, sockets: int) -> str:
    """`daphne RSS: idle …, with N sockets …, ≈ … KiB per socket`."""
    per_socket = (rss_loaded - rss_idle) / sockets
    return (
        f"daphne RSS: idle {rss_idle / 2**20:.1f} MiB, with {sockets} sockets "
        f"{rss_loaded / 2**20:.1f} MiB, ≈ {per_socket / 1024:.1f} KiB per socket"
    )
