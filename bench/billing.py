"""Billing speed: how long bill_session takes for sessions of 1 h, 8 h and 24 h.

.venv/bin/python bench/billing.py
"""

import statistics
import sys
import time
from datetime import datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common  # noqa: E402
from games.billing import BillingPolicy, TariffWindow, bill_session  # noqa: E402

MSK = ZoneInfo("Europe/Moscow")
TARIFFS = [
    TariffWindow(1, "Day", 60000, frozenset(range(5)), dtime(0, 0), dtime(18, 0)),
    TariffWindow(2, "Evening", 90000, frozenset(range(5)), dtime(18, 0), dtime(0, 0)),
    TariffWindow(3, "Weekend", 100000, frozenset({5, 6}), dtime(0, 0), dtime(0, 0)),
]


def main() -> None:
    _common.parser(__doc__, first_line=True).parse_args()
    start = datetime(2026, 3, 6, 12, 0, 30, tzinfo=MSK)
    for hours in (1, 8, 24):
        runs = []
        for _ in range(50):
            t0 = time.perf_counter()
            bill_session(start, start + timedelta(hours=hours), MSK, TARIFFS, BillingPolicy())
            runs.append(time.perf_counter() - t0)
        print(
            f"{hours:>2} h session: median {statistics.median(runs) * 1000:.2f} ms, "
            f"max {max(runs) * 1000:.2f} ms over {len(runs)} runs"
        )


if __name__ == "__main__":
    main()
