"""The one way tests and benchmarks start and stop a daphne process serving this project.

`start_daphne(env)` runs `daphne config.asgi:application` on a free loopback port (or the one
given), waits until `/healthz` answers 200 and returns `(base_url, process)`; `spawn_daphne(env)`
is the same without the wait (to start several at once, then `wait_healthy` each);
`stop_process(proc)` ends it and its children (SIGTERM to the process group, SIGKILL after 10 s).
Nothing here reads Django settings: the caller builds the environment
(`testing.browser.live_app_env` for tests, `bench/_common.py` for benchmarks).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DAPHNE = str(Path(sys.executable).with_name("daphne"))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


APPLICATION = "config.asgi:application"


def daphne_argv(
    port: int, *extra: str, host: str = "127.0.0.1", application: str = APPLICATION
) -> list[str]:
    return [DAPHNE, "-b", host, "-p", str(port), *extra, application]


def wait_healthy(url: str, proc: subprocess.Popen | None = None, timeout: float = 30) -> None:
    """Wait until `url`/healthz answers 200; raises RuntimeError if `proc` exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            stderr = proc.stderr.read().decode()[-2000:] if proc.stderr else ""
            raise RuntimeError(f"daphne exited: {stderr}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as r:  # noqa: S310
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"daphne did not answer {url}/healthz in time")


def spawn_daphne(
    env: dict,
    port: int | None = None,
    *,
    extra_args: tuple[str, ...] = (),
    application: str = APPLICATION,
    stdin=None,
    stdout=subprocess.DEVNULL,
    stderr=subprocess.PIPE,
) -> tuple[str, subprocess.Popen]:
    """Start daphne with `env` in its own session, without waiting: `(base_url, process)`."""
    port = port or free_port()
    proc = subprocess.Popen(  # noqa: S603 - fixed argv
        daphne_argv(port, *extra_args, application=application),
        cwd=BASE_DIR,
        env=env,
        stdin=stdin,
        stdout=stdout,
        stderr=stderr,
        start_new_session=True,
    )
    return f"http://127.0.0.1:{port}", proc


def start_daphne(
    env: dict,
    port: int | None = None,
    timeout: float = 30,
    *,
    extra_args: tuple[str, ...] = (),
    application: str = APPLICATION,
    stdout=subprocess.DEVNULL,
    stderr=subprocess.PIPE,
) -> tuple[str, subprocess.Popen]:
    """Start daphne with `env` and wait for it to be healthy: `(base_url, process)`."""
    url, proc = spawn_daphne(
        env, port, extra_args=extra_args, application=application, stdout=stdout, stderr=stderr
    )
    try:
        wait_healthy(url, proc, timeout)
    except RuntimeError:
        stop_process(proc)
        raise
    return url, proc


def stop_process(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 10) -> None:
    """End `proc` and its process group (started in its own session): `sig` (SIGTERM), then
    SIGKILL if it is still there after `timeout` seconds."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=timeout)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                return
            proc.wait(timeout=5)
