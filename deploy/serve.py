"""`make serve`: the production process layout on one machine, without Docker.

    DATABASE_URL=postgres://... REDIS_URL=redis://... python deploy/serve.py

    nginx  http://127.0.0.1:$PORT  (the one address; static files from disk)
      /ws/    -> daphne x WS_WORKERS    (WebSockets)
      /       -> gunicorn, WEB_WORKERS workers × WEB_THREADS threads (WSGI: every HTTP request)
    celery worker (threads, CELERY_CONCURRENCY) and exactly one celery beat

Refuses to start without DATABASE_URL and REDIS_URL (the processes share state only through
PostgreSQL and Redis). Migrates and collects static files first, prints what runs where, and stops
every process on Ctrl-C / SIGTERM, or when any one of them exits. Standard library only; every
file it writes is under var/serve/ (nginx config, temp dirs, beat schedule, logs, a generated
SECRET_KEY when none is set).

Environment: SERVE_COLLECTSTATIC=1 (collect even when staticfiles/ looks current), PORT (8000), HOST (127.0.0.1), WEB_WORKERS (one per CPU), WEB_THREADS (8), WS_WORKERS (1),
CELERY_CONCURRENCY (4), DEBUG (0), SECRET_KEY, ALLOWED_HOSTS (127.0.0.1,localhost), NGINX
(nginx binary), SERVE_DIR (var/serve), SERVE_LOGS=1 to keep each process's output in the
terminal instead of var/serve/*.log.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REQUIRED = {
    "DATABASE_URL": "a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/artel",
    "REDIS_URL": "a Redis database, e.g. redis://127.0.0.1:6379/0",
}
MISSING_TEXT = (
    "make serve runs the production layout and needs PostgreSQL and Redis: set {names}.\n"
    "{lines}\n"
    "(`make run` is the one-process embedded default on SQLite, needing neither.)"
)

NGINX_CONF = """\
# Written by deploy/serve.py on every start: edit that file, not this one.
worker_processes 1;
{user}
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    include {mime_types};
    default_type application/octet-stream;
    client_body_temp_path {dir}/tmp/body;
    proxy_temp_path {dir}/tmp/proxy;
    fastcgi_temp_path {dir}/tmp/fastcgi;
    uwsgi_temp_path {dir}/tmp/uwsgi;
    scgi_temp_path {dir}/tmp/scgi;
    access_log {access_log};
    sendfile on;
    keepalive_requests 100000;

    upstream artel_http {{
        server 127.0.0.1:{http_port};
        keepalive 16;
    }}
    upstream artel_ws {{
{ws_servers}
    }}
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ""      "";
    }}
    server {{
        listen {host}:{port} default_server;
        server_name _;
        client_max_body_size 10m;
        server_tokens off;
        proxy_http_version 1.1;
        proxy_set_header Host $http_host;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header Connection "";
        location = /metrics {{ return 404; }}
        location /static/ {{
            alias {static_root}/;
            expires 30d;
            access_log off;
        }}
        location /ws/ {{
            proxy_pass http://artel_ws;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_read_timeout 3600s;
            proxy_send_timeout 3600s;
            proxy_buffering off;
        }}
        location / {{
            proxy_pass http://artel_http;
            proxy_read_timeout 60s;
        }}
    }}
}}
"""


# A worker thread serves one request at a time: one persistent connection each (no pool, whose
# per-checkout `SELECT 1` was a third of a cached read), not re-checked before every request
# (config/settings.py, DB_CONN_HEALTH_CHECKS). Requests beyond the workers wait in gunicorn's
# backlog and nginx (admission control, core/admission.py, is daphne's).
WSGI_WORKER_ENV = {"DB_POOL_MAX_SIZE": "0", "DB_CONN_MAX_AGE": "600", "DB_CONN_HEALTH_CHECKS": "0"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_dotenv(path: Path) -> dict:
    """KEY=VALUE lines of a .env file (what config/settings.py reads too), comments skipped."""
    values = {}
    if path.exists():
        for line in path.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, _, value = line.partition("=")
                values[key.strip().removeprefix("export ").strip()] = value.strip().strip("\"'")
    return values


def missing_settings(env: dict) -> str | None:
    """The refusal text when DATABASE_URL or REDIS_URL is unset, else None."""
    missing = [name for name in REQUIRED if not env.get(name)]
    if not missing:
        return None
    lines = "\n".join(f"  {name}: {REQUIRED[name]}" for name in missing)
    return MISSING_TEXT.format(names=" and ".join(missing), lines=lines)


def app_env(env: dict, serve_dir: Path, *, dotenv_secret: str = "") -> dict:
    """The environment every app process gets: production settings on loopback defaults."""
    out = dict(env)
    out.setdefault("DEBUG", "0")
    out.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    out.setdefault("SECURE_SSL_REDIRECT", "0")
    out.setdefault("CELERY_TASK_ALWAYS_EAGER", "0")
    out.setdefault("NUM_PROXIES", "1")
    out.setdefault("PYTHONUNBUFFERED", "1")
    if not out.get("SECRET_KEY") and dotenv_secret:
        out["SECRET_KEY"] = dotenv_secret
    if not out.get("SECRET_KEY"):
        key_file = serve_dir / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_urlsafe(50))
            key_file.chmod(0o600)
        out["SECRET_KEY"] = key_file.read_text().strip()
    return out


def find_nginx(env: dict) -> str:
    for candidate in (env.get("NGINX"), shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and Path(candidate).exists():
            return candidate
    raise SystemExit(
        "nginx not found: `apt-get install nginx-light` (make serve does it) or set NGINX"
    )


def write_nginx_conf(
    serve_dir: Path, *, host: str, port: int, http_port: int, ws_ports: list[int], access_log: bool
) -> Path:
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (serve_dir / "tmp" / sub).mkdir(parents=True, exist_ok=True)
    conf = NGINX_CONF.format(
        dir=serve_dir,
        user="user root;" if os.geteuid() == 0 else "",
        mime_types="/etc/nginx/mime.types",
        access_log=f"{serve_dir}/nginx-access.log" if access_log else "off",
        http_port=http_port,
        ws_servers="\n".join(f"        server 127.0.0.1:{p};" for p in ws_ports),
        host=host,
        port=port,
        static_root=BASE_DIR / "staticfiles",
    )
    path = serve_dir / "nginx.conf"
    path.write_text(conf)
    return path


class Layout:
    """The processes of the layout, started in order and stopped together."""

    def __init__(self, env: dict, serve_dir: Path, *, keep_logs_in_terminal: bool) -> None:
        self.env = env
        self.serve_dir = serve_dir
        self.terminal = keep_logs_in_terminal
        self.procs: list[tuple[str, str, subprocess.Popen]] = []

    def spawn(self, name: str, where: str, argv: list[str], **env: str) -> None:
        out = None if self.terminal else open(self.serve_dir / f"{name}.log", "ab")  # noqa: SIM115
        proc = subprocess.Popen(  # noqa: S603 - fixed argv
            argv,
            cwd=BASE_DIR,
            env={**self.env, **env},
            stdout=out,
            stderr=subprocess.STDOUT if out else None,
            start_new_session=True,
        )
        self.procs.append((name, where, proc))

    def stop(self) -> None:
        # Front first, so no new request reaches a process that is going away.
        for _name, _where, proc in reversed(self.procs):
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for _name, _where, proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)

    def exited(self) -> tuple[str, int] | None:
        for name, _where, proc in self.procs:
            if proc.poll() is not None:
                return name, proc.returncode
        return None


def wait_healthy(url: str, layout: Layout, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        gone = layout.exited()
        if gone:
            raise RuntimeError(f"{gone[0]} exited with {gone[1]} while starting")
        try:
            request = urllib.request.Request(f"{url}/healthz", headers={"Host": "localhost"})  # noqa: S310
            with urllib.request.urlopen(request, timeout=2) as r:  # noqa: S310 - loopback
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url}/healthz did not answer 200 in {timeout:.0f} s")


def static_outdated() -> bool:
    """Whether staticfiles/ is older than static/ or the pinned packages (whose admin, DRF and
    Swagger assets it holds): collecting compresses every file, too slow for every start."""
    manifest = BASE_DIR / "staticfiles" / "staticfiles.json"
    if os.environ.get("SERVE_COLLECTSTATIC") == "1" or not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [BASE_DIR / "requirements.txt", *(BASE_DIR / "static").rglob("*")]
    return any(p.stat().st_mtime > built for p in sources if p.is_file())


def run_manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)  # noqa: S603


def main() -> int:
    # DATABASE_URL and REDIS_URL may come from .env, which the app processes read themselves
    # (the environment wins there, so the DEBUG=0 set below beats a development .env's DEBUG=1).
    dotenv = read_dotenv(BASE_DIR / ".env")
    refusal = missing_settings({**dotenv, **os.environ})
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    # One worker per core, each running WEB_THREADS requests at once (gthread): a request spends
    # much of its time waiting for PostgreSQL or Redis, and a sync worker idles meanwhile. On this
    # 2-core box under load, 2 × 8 threads answered 262-486 req/s where 4 sync workers answered
    # 86-95 (bench/http_layouts.py). WEB_THREADS=1 gives sync workers.
    web_workers = int(os.environ.get("WEB_WORKERS") or os.cpu_count() or 1)
    web_threads = int(os.environ.get("WEB_THREADS", "8"))
    worker_class = (
        ["--worker-class", "sync"]
        if web_threads <= 1
        else ["--worker-class", "gthread", "--threads", str(web_threads)]
    )
    ws_workers = int(os.environ.get("WS_WORKERS", "1"))
    celery_concurrency = int(os.environ.get("CELERY_CONCURRENCY", "4"))
    serve_dir = Path(os.environ.get("SERVE_DIR", BASE_DIR / "var" / "serve")).resolve()
    serve_dir.mkdir(parents=True, exist_ok=True)
    env = app_env(dict(os.environ), serve_dir, dotenv_secret=dotenv.get("SECRET_KEY", ""))
    nginx = find_nginx(env)

    run_manage(env, "migrate", "--noinput", "-v0")
    if static_outdated():
        print("  collecting static files (compressed and hashed: a minute or so)", flush=True)
        run_manage(env, "collectstatic", "--noinput", "-v0")

    http_port = free_port()
    ws_ports = [free_port() for _ in range(ws_workers)]
    conf = write_nginx_conf(
        serve_dir,
        host=host,
        port=port,
        http_port=http_port,
        ws_ports=ws_ports,
        access_log=env.get("SERVE_ACCESS_LOG", "0") == "1",
    )
    layout = Layout(env, serve_dir, keep_logs_in_terminal=env.get("SERVE_LOGS") == "1")
    stopping = False

    def on_signal(signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        layout.spawn(
            "celery-worker",
            f"--pool=threads --concurrency={celery_concurrency}",
            [str(BIN / "celery"), "-A", "config", "worker", "--loglevel=INFO",
             "--pool=threads", f"--concurrency={celery_concurrency}"],
        )  # fmt: skip
        layout.spawn(
            "celery-beat",
            "the one beat",
            [str(BIN / "celery"), "-A", "config", "beat", "--loglevel=INFO",
             f"--schedule={serve_dir / 'celerybeat-schedule'}"],
        )  # fmt: skip
        layout.spawn(
            "gunicorn",
            f"127.0.0.1:{http_port}, {web_workers} {worker_class[1]} workers"
            + (f" × {web_threads} threads" if web_threads > 1 else ""),
            [str(BIN / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{http_port}",
             "--workers", str(web_workers), *worker_class, "--backlog", "2048",
             "--timeout", "60", "--graceful-timeout", "20", "--no-control-socket"],
            **WSGI_WORKER_ENV,
        )  # fmt: skip
        for i, ws_port in enumerate(ws_ports):
            layout.spawn(
                f"daphne-{i + 1}",
                f"127.0.0.1:{ws_port}",
                [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(ws_port), "--proxy-headers",
                 "config.asgi:application"],
            )  # fmt: skip
        layout.spawn(
            "nginx",
            f"http://{host}:{port}",
            [nginx, "-c", str(conf), "-p", str(serve_dir), "-g", "daemon off;"],
        )
        url = f"http://{host if host != '0.0.0.0' else '127.0.0.1'}:{port}"  # noqa: S104
        wait_healthy(url, layout)
        print(f"\n  Artel Billiards (production layout) on {url}/   logs: {serve_dir}/*.log")
        for name, where, proc in layout.procs:
            print(f"    {name:<14} pid {proc.pid:<8} {where}")
        print(
            "  /ws/ -> daphne, everything else -> gunicorn, /static/ from disk. Ctrl-C stops all.\n",
            flush=True,
        )
        while not stopping:
            gone = layout.exited()
            if gone:
                print(f"{gone[0]} exited with {gone[1]}: stopping the layout", file=sys.stderr)
                return 1
            time.sleep(0.5)
        return 0
    except RuntimeError as exc:
        print(f"make serve: {exc} (see {serve_dir}/*.log)", file=sys.stderr)
        return 1
    finally:
        layout.stop()
        print("  stopped: " + ", ".join(name for name, _w, _p in layout.procs), flush=True)


if __name__ == "__main__":
    sys.exit(main())
