"""The JS realtime client (static/js/realtime.js) against a fake WebSocket, run by Node."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

NODE = shutil.which("node")
CLIENT = Path(settings.BASE_DIR) / "static" / "js" / "realtime.js"
SCRIPT = Path(__file__).parent / "js" / "realtime_client.test.mjs"


@pytest.mark.skipif(NODE is None, reason="needs Node.js")
def test_the_js_client_orders_resyncs_and_reconnects():
    result = subprocess.run(
        [NODE, str(SCRIPT), CLIENT.as_uri()], capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
