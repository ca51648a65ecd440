"""Several daphne processes sharing one Redis (and a database) on loopback: the production topology
without docker, for the load test (bench/load.py) and the resilience tests
(config/tests/resilience/).

    from bench.cluster import Cluster, RedisServer, app_env, free_port

    with RedisServer() as redis:                       # a private redis-server (no persistence)
        env = app_env(database_url="postgres://…", redis_url=redis.url(1))
        with Cluster(env, size=2) as cluster:          # two daphne processes, ready (/healthz)
            cluster.urls                               # ["http://127.0.0.1:P1", "http://127.0.0.1:P2"]
            cluster.kill(0)                            # SIGKILL the first one (its sockets drop)
            cluster.restart(0)                         # start it again on the same port
        redis.stop(); redis.start()                    # a Redis restart on the same port

Every process gets its own stderr log file (`cluster.logs[i]`), so a chatty server never blocks on
a full pipe. The processes are started, waited for and stopped by `testing/daphne.py` (the one
way), their environment comes from `bench/_common.py` (`app_env`). Nothing here imports Django:
the processes configure themselves from `env`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (  # noqa: E402, F401 - app_env and free_port are re-exported
    APPLICATION,
    app_env,
    free_port,
    spawn_daphne,
    stop_process,
    wait_healthy,
)


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), 0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


class Cluster:
    """`size` daphne processes serving `app` with `env`, each on its own loopback port."""

    def __init__(
        self,
        env: dict[str, str],
        size: int = 2,
        *,
        app: str = APPLICATION,
        log_dir: str | Path | None = None,
        extra_args: tuple[str, ...] = (),
    ):
        self.env = env
        self.size = size
        self.app = app
        self.extra_args = extra_args
        self._own_log_dir = log_dir is None
        self.log_dir = Path(log_dir or tempfile.mkdtemp(prefix="artel-cluster-"))
        self.ports = [free_port() for _ in range(size)]
        self.procs: list[subprocess.Popen | None] = [None] * size
        self._logs: list = [None] * size

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports]

    @property
    def ws_urls(self) -> list[str]:
        return [f"ws://127.0.0.1:{port}/ws/" for port in self.ports]

    @property
    def logs(self) -> list[Path]:
        return [self.log_dir / f"daphne-{i}.log" for i in range(self.size)]

    @property
    def pids(self) -> list[int | None]:
        return [p.pid if p is not None else None for p in self.procs]

    def _spawn(self, i: int) -> subprocess.Popen:
        if self._logs[i] is None or self._logs[i].closed:
            self._logs[i] = open(self.logs[i], "ab")  # noqa: SIM115 - kept open with the process
        _url, proc = spawn_daphne(
            self.env,
            self.ports[i],
            extra_args=self.extra_args,
            application=self.app,
            stdin=subprocess.DEVNULL,
            stdout=self._logs[i],
            stderr=subprocess.STDOUT,
        )
        return proc

    def start(self, timeout: float = 30) -> Cluster:
        try:
            for i in range(self.size):
                self.procs[i] = self._spawn(i)
            for i in range(self.size):
                self._wait(i, timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait(self, i: int, timeout: float) -> None:
        try:
            wait_healthy(self.urls[i], self.procs[i], timeout)
        except RuntimeError as exc:
            tail = self.logs[i].read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{exc}\n--- {self.logs[i]} ---\n{tail}") from exc

    def kill(self, i: int) -> None:
        """SIGKILL process `i` (no graceful close: its sockets drop like on a crash)."""
        proc = self.procs[i]
        if proc is not None:
            stop_process(proc, signal.SIGKILL)

    def restart(self, i: int, timeout: float = 30) -> None:
        self.kill(i)
        self.procs[i] = self._spawn(i)
        self._wait(i, timeout)

    def stop(self, timeout: float = 5) -> None:
        for proc in self.procs:
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            if proc is not None:
                stop_process(proc, timeout=timeout)
        for log in self._logs:
            if log is not None:
                log.close()

    def cleanup(self) -> None:
        if self._own_log_dir:
            shutil.rmtree(self.log_dir, ignore_errors=True)

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
        self.cleanup()


class RedisServer:
    """A private `redis-server` on a free loopback port, without persistence; stop/start keep the
    port, so clients see a Redis restart (never touch the machine's shared Redis for that)."""

    def __init__(self, port: int | None = None, executable: str = "redis-server"):
        self.executable = shutil.which(executable) or executable
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self, timeout: float = 10) -> RedisServer:
        self.proc = subprocess.Popen(  # noqa: S603 - fixed argv
            [
                self.executable,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "no",
                "--dir",
                tempfile.gettempdir(),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for_port(self.port, timeout)
        return self

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc, signal.SIGKILL)
            self.proc = None

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class TcpProxy:
    """A tiny TCP forwarder in a thread (127.0.0.1:`port` → `target`), that can be cut and restored:
    `cut()` closes every open connection and refuses new ones; `restore()` accepts again.
    For "the database is briefly unavailable" without stopping the shared PostgreSQL."""

    def __init__(self, target_host: str, target_port: int, port: int | None = None):
        import threading

        self.target = (target_host, target_port)
        self.port = port or free_port()
        self._lock = threading.Lock()
        self._conns: set[socket.socket] = set()
        self._open = True
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", self.port))
        self._listener.listen(128)
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._running = True
        self._thread.start()

    def _accept(self) -> None:
        import threading

        while self._running:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                is_open = self._open
            if not is_open:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, 5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                self._close(s)

    def _close(self, s: socket.socket) -> None:
        with self._lock:
            self._conns.discard(s)
        with contextlib.suppress(OSError):
            s.shutdown(socket.SHUT_RDWR)
        s.close()

    def cut(self) -> None:
        with self._lock:
            self._open = False
            conns = list(self._conns)
        for s in conns:
            self._close(s)

    def restore(self) -> None:
        with self._lock:
            self._open = True

    def close(self) -> None:
        self._running = False
        self.cut()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()

    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class FakeTelegram:
    """A stand-in Bot API on loopback for load runs: answers every method `{"ok": true}` after
    `latency` seconds (Telegram's own round trip), counting the calls by method. Point the app at
    it with TELEGRAM_API_BASE=`fake.url`. Never used by tests (they mock the HTTP boundary)."""

    def __init__(self, latency: float = 0.05):
        import http.server
        import json
        import threading
        from collections import Counter

        self.latency = latency
        self.calls: Counter = Counter()
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("content-length") or 0)
                self.rfile.read(length)
                method = self.path.rsplit("/", 1)[-1]
                with lock:
                    fake.calls[method] += 1
                    message_id = sum(fake.calls.values())
                time.sleep(fake.latency)
                body = json.dumps({"ok": True, "result": {"message_id": message_id}}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        lock = threading.Lock()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeTelegram:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


if __name__ == "__main__":
    from bench import _common

    _common.parser(__doc__).parse_args()
    sys.exit("A module: bench/load.py, bench/scoring.py, bench/resilience.py and the tests use it.")
