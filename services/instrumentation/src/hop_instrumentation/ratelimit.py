"""Rate limits on the public API: per client address, per API key, stricter for failed auth.

`create_app` installs `RateLimitMiddleware` from the settings; a service does nothing.
Requests under ``HOP_RATE_LIMIT_PATHS`` (``/api/`` by default) count against fixed
windows of ``HOP_RATE_LIMIT_WINDOW`` seconds:

- the client address: ``HOP_RATE_LIMIT_PER_ADDRESS`` requests per window;
- the presented API key (``Authorization: Bearer``): ``HOP_RATE_LIMIT_PER_KEY``;
- answers 401 per client address: after ``HOP_RATE_LIMIT_AUTH_FAILURES`` of them, every
  request from that address that fails authentication again is answered 429 instead of 401
  until the window ends (key guessing); a valid key keeps working, and a request that
  presents no ``Authorization`` header (a peer's readiness probe) is never counted a guess.

A refused request gets 429 with ``Retry-After`` and the IETF ``RateLimit-Policy`` and
``RateLimit`` headers (draft-ietf-httpapi-ratelimit-headers); allowed ones carry the
headers too, unless the app's answer carries its own (an upstream's limit passed on).
Counters live in Redis when ``HOP_RATE_LIMIT_REDIS_URL`` is set (one Lua
script call per request, so the limits hold across replicas) and in the process
otherwise. The client address is the socket's peer, or the last ``X-Forwarded-For`` hop
a trusted proxy (``HOP_TRUSTED_PROXIES``) appended; it is only ever stored hashed.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import time
from collections.abc import Sequence
from ipaddress import IPv4Network, IPv6Network, ip_address
from typing import Any, Final, Protocol

import orjson
from prometheus_client import CollectorRegistry, Counter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hop_instrumentation.metrics import labelled_counter

__all__ = [
    "RATE_LIMITED",
    "InProcessWindows",
    "RateLimitMiddleware",
    "RedisWindows",
    "Windows",
    "client_address",
    "rate_limited_counter",
]

RATE_LIMITED: Final = "hop_http_rate_limited_requests_total"
#: The limits a request can hit: the ``reason`` label of `RATE_LIMITED`.
_REASONS: Final = ("auth_failures", "address", "key")
logger = logging.getLogger("hop.ratelimit")
_FORWARDED_FOR: Final = b"x-forwarded-for"
_AUTHORIZATION: Final = b"authorization"
_RATELIMIT: Final = b"ratelimit"
_MAX_LOCAL_KEYS: Final = 100_000
#: KEYS: counters; ARGV[1]: window in ms, ARGV[2..]: each counter's increment (0 = read).
_SCRIPT: Final = """
local out = {}
for i, key in ipairs(KEYS) do
  local count = redis.call('INCRBY', key, tonumber(ARGV[i + 1]))
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then
    redis.call('PEXPIRE', key, ARGV[1])
    ttl = tonumber(ARGV[1])
  end
  out[#out + 1] = count
  out[#out + 1] = ttl
end
return out
"""


class Windows(Protocol):
    """Fixed-window counters: add to several at once, get each count and its reset time."""

    async def add(
        self, increments: Sequence[tuple[str, int]], window: float
    ) -> list[tuple[int, float]]:
        """Add each increment to its counter; return (count, seconds to reset) per counter."""
        ...


class InProcessWindows:
    """Counters in this process (one replica, or no Redis configured)."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, int]] = {}

    async def add(
        self, increments: Sequence[tuple[str, int]], window: float
    ) -> list[tuple[int, float]]:
        """Add each increment to its counter in the current window."""
        now = time.time()
        current = int(now // window)
        if len(self._counts) > _MAX_LOCAL_KEYS:
            self._counts = {k: v for k, v in self._counts.items() if v[0] == current}
        reset = (current + 1) * window - now
        results = []
        for key, increment in increments:
            start, count = self._counts.get(key, (current, 0))
            count = (count if start == current else 0) + increment
            if count:
                self._counts[key] = (current, count)
            results.append((count, reset))
        return results


class RedisWindows:
    """Counters in Redis, shared by every replica: one script call per request."""

    def __init__(self, url: str, *, prefix: str) -> None:
        from redis.asyncio import Redis

        self._redis: Any = Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._script = self._redis.register_script(_SCRIPT)
        self._prefix = prefix

    async def add(
        self, increments: Sequence[tuple[str, int]], window: float
    ) -> list[tuple[int, float]]:
        """Add each increment to its Redis counter (created with the window as its expiry)."""
        keys = [f"{self._prefix}{key}" for key, _ in increments]
        args = [int(window * 1000), *(increment for _, increment in increments)]
        flat = await self._script(keys=keys, args=args)
        return [(int(flat[i]), int(flat[i + 1]) / 1000) for i in range(0, len(flat), 2)]

    async def close(self) -> None:
        """Close the connection pool."""
        await self._redis.aclose()


def rate_limited_counter(registry: CollectorRegistry) -> Counter:
    """Register and return ``hop_http_rate_limited_requests_total{reason}``.

    Every reason is exported from 0: a healthy service shows 0, not "no data".
    """
    return labelled_counter(
        RATE_LIMITED,
        "Requests refused with 429, by the limit they hit.",
        registry=registry,
        label="reason",
        values=_REASONS,
    )


class RateLimitMiddleware:
    """Refuse requests over their limits with 429 (pure ASGI); see the module's docstring."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        windows: Windows,
        refused: Counter,
        paths: tuple[str, ...],
        window: float,
        per_address: int,
        per_key: int,
        auth_failures: int,
        trusted: Sequence[IPv4Network | IPv6Network] = (),
    ) -> None:
        self.app = app
        self.windows = windows
        self._paths = paths
        self._window = window
        self._limits = {"auth_failures": auth_failures, "address": per_address, "key": per_key}
        self._trusted = tuple(trusted)
        self._refused = refused

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self._paths):
            await self.app(scope, receive, send)
            return
        address = _digest(client_address(scope, self._trusted))
        counters = [("auth_failures", f"f:{address}", 0), ("address", f"a:{address}", 1)]
        key = _bearer(scope)
        if key is not None:
            counters.append(("key", f"k:{_digest(key)}", 1))
        counters = [c for c in counters if self._limits[c[0]] > 0]
        if not counters:  # every limit turned off
            await self.app(scope, receive, send)
            return
        try:
            counts = await self.windows.add([(k, n) for _, k, n in counters], self._window)
        except Exception as err:  # a Redis outage must not take the API down: fail open
            logger.warning("rate limit counters unavailable", extra={"error": repr(err)})
            await self.app(scope, receive, send)
            return
        states = [
            (name, self._limits[name], count, reset)
            for (name, _, _), (count, reset) in zip(counters, counts, strict=True)
        ]
        over = [s for s in states if s[0] != "auth_failures" and s[2] > s[1]]
        if over:
            await self._refuse(send, over[0], address)
            return
        # Spent failed-authentication budget refuses only what would fail again (a 401 becomes
        # a 429): a valid key keeps working, so guessing from an address cannot lock out the
        # owners who share it (NAT, the edge, loopback).
        spent = next((s for s in states if s[0] == "auth_failures" and s[2] >= s[1]), None)
        # Only a request that presents credentials can be a guess: a 401 without any (a peer's
        # readiness probe, a browser's first try) neither spends nor is refused by the budget.
        guessing = any(name == _AUTHORIZATION for name, _ in scope["headers"])
        sender = self._sender(send, states, address, spent if guessing else None, guessing)
        await self.app(scope, receive, sender)

    def _sender(
        self,
        send: Send,
        states: list[tuple[str, int, int, float]],
        address: str,
        spent: tuple[str, int, int, float] | None,
        guessing: bool,
    ) -> Send:
        headers = _headers(states, self._window)
        refused = False

        async def send_with_headers(message: Message) -> None:
            nonlocal refused
            if refused:
                return  # the app's own 401 body, replaced by the 429
            if message["type"] == "http.response.start" and message["status"] == 401:
                if spent is not None:
                    refused = True
                    await self._refuse(send, spent, address)
                    return
                if guessing and self._limits["auth_failures"] > 0:
                    await self._count_failure(address)
            if message["type"] == "http.response.start":
                own = message.get("headers", [])
                # An app passing an upstream's 429 on keeps its fields: that limit is the one hit.
                if not any(name == _RATELIMIT for name, _ in own):
                    message["headers"] = [*own, *headers]
            await send(message)

        return send_with_headers

    async def _count_failure(self, address: str) -> None:
        try:
            await self.windows.add([(f"f:{address}", 1)], self._window)
        except Exception as err:
            logger.warning("rate limit counters unavailable", extra={"error": repr(err)})

    async def _refuse(self, send: Send, state: tuple[str, int, int, float], address: str) -> None:
        reason, limit, _, reset = state
        self._refused.labels(reason).inc()
        logger.info("rate limited", extra={"reason": reason, "client_hash": address})
        detail = (
            f"Too many requests ({reason}: {limit} per {self._window:g} s); "
            f"retry in {math.ceil(reset)} s."
        )
        body = orjson.dumps({"detail": detail})
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(max(1, math.ceil(reset))).encode()),
            *_headers([(reason, limit, limit + 1, reset)], self._window),
        ]
        await send({"type": "http.response.start", "status": 429, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def client_address(scope: Scope, trusted: Sequence[IPv4Network | IPv6Network]) -> str:
    """Return the client's address: the peer, or the hop a trusted proxy saw in front of it."""
    client = scope.get("client")
    peer = client[0] if client else ""
    if not trusted or not _is_trusted(peer, trusted):
        return peer
    for name, value in scope["headers"]:
        if name == _FORWARDED_FOR:
            hops = [hop.strip() for hop in bytes(value).decode("latin-1").split(",")]
            for hop in reversed(hops):  # the rightmost hop no trusted proxy appended
                if hop and not _is_trusted(hop, trusted):
                    return hop
    return peer


def _is_trusted(address: str, trusted: Sequence[IPv4Network | IPv6Network]) -> bool:
    return _is_trusted_in(address, tuple(trusted))


@functools.lru_cache(maxsize=4096)  # the peer is asked about on every request
def _is_trusted_in(address: str, trusted: tuple[IPv4Network | IPv6Network, ...]) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in trusted)


def _headers(states: list[tuple[str, int, int, float]], window: float) -> list[tuple[bytes, bytes]]:
    # The failed-auth budget is listed but not reported as the quota of a request.
    quotas = [s for s in states if s[0] != "auth_failures"] or states
    tightest = min(quotas, key=lambda s: s[1] - s[2], default=None)
    if tightest is None:
        return []
    name, limit, count, reset = tightest
    return [
        (b"ratelimit-policy", _policy(tuple((s[0], s[1]) for s in states), window)),
        (b"ratelimit", f'"{name}";r={max(0, limit - count)};t={max(1, math.ceil(reset))}'.encode()),
    ]


@functools.lru_cache(maxsize=64)  # a handful of limit combinations, on every request
def _policy(limits: tuple[tuple[str, int], ...], window: float) -> bytes:
    return ", ".join(f'"{name}";q={limit};w={math.ceil(window)}' for name, limit in limits).encode()


def _bearer(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == _AUTHORIZATION:
            scheme, _, secret = bytes(value).decode("latin-1").partition(" ")
            return secret.strip() or None if scheme.lower() == "bearer" else None
    return None


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:24]
