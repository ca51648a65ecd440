"""Channel layer for the embedded mode (one process, no Redis)."""

import time

from channels.layers import InMemoryChannelLayer as _InMemoryChannelLayer

# Expired messages only need to go eventually; one sweep a second is plenty.
SWEEP_EVERY = 1.0


class InMemoryChannelLayer(_InMemoryChannelLayer):
    """Channels' in-memory layer, with its expiry sweep rate-limited.

    Upstream sweeps every channel and group for expired messages on each `receive()`: one
    broadcast to N sockets makes N receives, each walking N channels — O(N²) per update (about
    2 ms per socket at 1,000 sockets, seconds per floor update). Sweeping at most once a second
    keeps expiry (a dead consumer's queue and group membership still go) at O(N) per update.
    """

    _last_sweep = 0.0

    def _clean_expired(self):
        now = time.monotonic()
        if now - self._last_sweep < SWEEP_EVERY:
            return
        self._last_sweep = now
        super()._clean_expired()
