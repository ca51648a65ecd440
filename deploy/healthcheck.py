"""Container health checks, standard library only (the image has no curl).

    python deploy/healthcheck.py web    # GET /healthz on the local daphne answers 200
    python deploy/healthcheck.py beat   # celery beat wrote its schedule file recently

Exit 0 = healthy, 1 = unhealthy (Docker's HEALTHCHECK contract).
"""

import glob
import os
import sys
import time
import urllib.request

WEB_URL = os.environ.get("HEALTHCHECK_URL", "http://127.0.0.1:8000/healthz")
# celery beat syncs its schedule every 3 minutes while it ticks (the heartbeat runs every 30 s).
BEAT_SCHEDULE = os.environ.get("BEAT_SCHEDULE", "/app/var/celerybeat-schedule")
BEAT_MAX_AGE = float(os.environ.get("BEAT_HEALTH_MAX_AGE", "360"))


def host_header() -> str:
    """A host Django accepts: the first concrete ALLOWED_HOSTS entry (".x.org" -> "x.org").

    The check connects to 127.0.0.1, which production ALLOWED_HOSTS rightly leave out.
    """
    for entry in os.environ.get("ALLOWED_HOSTS", "").split(","):
        entry = entry.strip()
        if entry and entry != "*":
            return entry.lstrip(".")
    return "localhost"


def check_web() -> bool:
    if not WEB_URL.startswith(("http://", "https://")):
        raise ValueError(f"HEALTHCHECK_URL must be http(s): {WEB_URL!r}")
    request = urllib.request.Request(WEB_URL, headers={"Host": host_header()})  # noqa: S310
    with urllib.request.urlopen(request, timeout=4) as response:  # noqa: S310 - checked above
        return response.status == 200


def check_beat() -> bool:
    files = glob.glob(BEAT_SCHEDULE + "*")
    if not files:
        return False
    return time.time() - max(os.path.getmtime(f) for f in files) < BEAT_MAX_AGE


CHECKS = {"web": check_web, "beat": check_beat}


def main(argv: list[str]) -> int:
    name = argv[1] if len(argv) > 1 else "web"
    try:
        healthy = CHECKS[name]()
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        print(f"{name}: {exc}", file=sys.stderr)
        return 1
    print(f"{name}: {'ok' if healthy else 'unhealthy'}")
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
