"""`make serve`'s layout (deploy/serve.py): refuses without its services, and when started answers
HTTP, `/ws/`, a Celery task and a beat task through its one address, then stops every process."""

import asyncio
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import psycopg
import pytest
import websockets
from celery import Celery
from django.conf import settings

from config.settings import EMBEDDED_NEEDS_EAGER
from testing.daphne import free_port

BASE_DIR = Path(settings.BASE_DIR)
SERVE = [sys.executable, str(BASE_DIR / "deploy" / "serve.py")]
START_TIMEOUT = 180  # a fresh database is migrated first


def _bare_env(**extra) -> dict:
    """This process's environment without the app's settings (the test picks them)."""
    drop = ("DATABASE_URL", "REDIS_URL", "CELERY_", "EMBEDDED_BEAT", "CACHE_PREFIX", "CHANNELS_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(extra)
    return env


def test_serve_refuses_to_start_without_database_and_redis(tmp_path):
    result = subprocess.run(  # noqa: S603
        SERVE, env=_bare_env(SERVE_DIR=str(tmp_path)), capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert "set DATABASE_URL and REDIS_URL" in result.stderr
    assert "make run" in result.stderr


def test_embedded_mode_refuses_a_redis_broker_nothing_would_read():
    env = _bare_env(EMBEDDED_BEAT="1", REDIS_URL="redis://127.0.0.1:6379/15", DEBUG="1")
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import config.settings"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0
    assert EMBEDDED_NEEDS_EAGER in result.stderr


def _get(url: str) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers={"Host": "localhost"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as r:  # noqa: S310 - loopback
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def _until(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


async def _ws_round_trip(url: str) -> dict:
    async with websockets.connect(url, origin="http://localhost", open_timeout=10) as ws:
        await ws.send(json.dumps({"op": "subscribe", "topic": "club:999999"}))
        return json.loads(await asyncio.wait_for(ws.recv(), 10))


@pytest.fixture
def serve_database():
    """A database of its own for the layout (it migrates it), dropped afterwards."""
    db = settings.DATABASES["default"]
    name = f"artel_serve_{uuid.uuid4().hex[:10]}"
    admin = dict(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"])
    if db.get("PASSWORD"):
        admin["password"] = db["PASSWORD"]
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    auth = f"{db['USER']}:{db['PASSWORD']}@" if db.get("PASSWORD") else f"{db['USER']}@"
    yield f"postgres://{auth}{admin['host']}:{admin['port']}/{name}", {**admin, "dbname": name}
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
@pytest.mark.redis
def test_serve_layout_answers_http_ws_a_task_and_beat_through_one_address(serve_database, tmp_path):
    if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        pytest.fail("nginx is missing: `make nginx` installs Debian's package")
    database_url, dsn = serve_database
    port, tag = free_port(), uuid.uuid4().hex[:10]
    queue = f"serve-test-{tag}"
    env = _bare_env(
        DATABASE_URL=database_url,
        REDIS_URL=settings.REDIS_URL,
        CACHE_PREFIX=f"serve{tag}",
        CHANNELS_PREFIX=f"serve{tag}",
        CELERY_QUEUE=queue,
        BEAT_HEARTBEAT_SECONDS="1",
        PORT=str(port),
        WEB_WORKERS="1",
        CELERY_CONCURRENCY="2",
        SERVE_DIR=str(tmp_path),
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        LOG_LEVEL="WARNING",
    )
    proc = subprocess.Popen(  # noqa: S603
        SERVE, cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    banner: list[str] = []
    try:
        deadline = time.monotonic() + START_TIMEOUT
        for line in proc.stdout:
            banner.append(line)
            if "Ctrl-C stops all" in line or time.monotonic() > deadline:
                break
        assert "Ctrl-C stops all" in "".join(banner), "".join(banner)
        pids = [int(line.split("pid")[1].split()[0]) for line in banner if " pid " in line]
        assert len(pids) == 5  # celery worker, beat, gunicorn, daphne, nginx
        base = f"http://127.0.0.1:{port}"

        # HTTP: nginx in front, the Django app behind it (gunicorn).
        status, headers, body = _get(f"{base}/healthz")
        assert status == 200
        assert headers.get("Server") == "nginx"
        assert json.loads(body) == {"status": "ok"}
        status, _headers, body = _get(f"{base}/api/clubs/999999/")
        assert status == 404
        assert json.loads(body)["code"] == "not_found"
        # Static files straight from disk.
        status, _headers, _body = _get(f"{base}/static/admin/css/base.css")
        assert status == 200
        # Metrics stay internal.
        assert _get(f"{base}/metrics")[0] == 404

        # /ws/: daphne behind the same address answers a subscription.
        frame = asyncio.run(_ws_round_trip(f"ws://127.0.0.1:{port}/ws/"))
        assert frame["type"] == "error"

        # A Celery task sent to the broker runs in the worker (it writes a row).
        probe = f"probe-{tag}"
        Celery(broker=settings.REDIS_URL).send_task(
            "realtime.tasks.heartbeat", kwargs={"name": probe}, queue=queue
        )

        def probe_recorded():
            with psycopg.connect(**dsn) as conn:
                row = conn.execute(
                    "SELECT 1 FROM realtime_heartbeat WHERE name = %s", [probe]
                ).fetchone()
            return row is not None

        _until(probe_recorded, 30, "the worker to run the probe task")

        # Beat's heartbeat (beat → broker → worker → database) as /readyz reports it.
        def beat_ok():
            status, _h, body = _get(f"{base}/readyz")
            return status == 200 and json.loads(body)["components"]["beat"]["status"] == "ok"

        _until(beat_ok, 30, "beat's heartbeat in /readyz")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            rest, _ = proc.communicate(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            rest, _ = proc.communicate()
    assert proc.returncode == 0, rest
    assert "stopped: celery-worker, celery-beat, gunicorn, daphne-1, nginx" in rest

    def all_gone():
        alive = []
        for pid in pids:
            try:
                os.kill(pid, 0)
                alive.append(pid)
            except ProcessLookupError:
                pass
        return not alive

    _until(all_gone, 10, "every process of the layout to exit")
