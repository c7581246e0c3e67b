"""Form submissions per client: at most ``rate_limit`` in any ``rate_window`` seconds.

The client is the peer's address, or the last address ``X-Forwarded-For`` names when the
peer is one of the ``trusted_proxies`` (the proxy appends the address it saw; anything
before it was written by the client and proves nothing).
"""

from __future__ import annotations

import ipaddress
import math
import threading
from collections import deque
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

#: Clients remembered at most; past it, the ones idle longest are forgotten first.
MAX_CLIENTS = 100_000


@dataclass(frozen=True)
class Verdict:
    """Whether one submission may go on, and else how long to wait."""

    allowed: bool
    #: Whole seconds until the client may submit again (0 when allowed).
    retry_after: int = 0


def client_address(peer: str | None, headers: Mapping[str, str], trusted: Collection[str]) -> str:
    """The client of a request: ``peer``, or the proxy's word for it when ``peer`` is trusted."""
    peer = peer or "unknown"
    if peer not in trusted:
        return peer
    forwarded = headers.get("x-forwarded-for", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    # Walk back past our own proxies: the first untrusted hop is the client.
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return peer
        if hop not in trusted:
            return hop
    return hops[0] if hops else peer


class RateLimiter:
    """A sliding window log per client; thread-safe.

    Args:
        limit: submissions allowed in any ``window``.
        window: seconds.
        now: the clock (seconds, monotonic); tests pass their own.
    """

    def __init__(self, limit: int, window: float, now: Callable[[], float]) -> None:
        self.limit = limit
        self.window = window
        self._now = now
        self._log: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, client: str) -> Verdict:
        """Count one submission of ``client`` if it is allowed; refused ones are not counted."""
        now = self._now()
        with self._lock:
            log = self._log.pop(client, None) or deque()
            while log and log[0] <= now - self.window:
                log.popleft()
            # Re-inserted last: the dict stays ordered from longest idle to most recent.
            self._log[client] = log
            if len(log) >= self.limit:
                return Verdict(False, max(1, math.ceil(log[0] + self.window - now)))
            log.append(now)
            while len(self._log) > MAX_CLIENTS:
                del self._log[next(iter(self._log))]
            return Verdict(True)
