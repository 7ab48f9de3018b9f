"""The hot path: a pure ASGI app answering ``GET``/``HEAD /{code}`` before FastAPI routes anything.

Anything that is not a single valid code segment (``/``, two segments, encoded
slashes, dots, unicode, codes over 64 characters) or is a reserved word (``/docs``,
``/api``...) goes to the FastAPI app, which answers a JSON 404.

Hosts: the ``Host`` header picks the domain (`hop_redirect.hosts`): the platform domain's
codes are looked up as before, a verified branded domain's under ``<domain>/<code>``; a
host hop does not serve answers 404 (or ``HOP_UNKNOWN_HOST_URL``) without asking links,
counted and throttled as an unknown code is.

Clicks: only a ``GET`` that is not a prefetch (``Sec-Purpose: prefetch``,
``Purpose: prefetch``, ``X-Moz: prefetch``) is recorded; ``HEAD`` and prefetches get
the same status and headers but are not counted.

Access-log policy: every answer other than a redirect (404, 405, 410, 429, 503) is logged;
redirects are logged for a random ``access_log_sample_ratio`` share (1% by default).
Metrics and (parent-based, sampled) traces cover every request, as for FastAPI routes.
"""

from __future__ import annotations

import random
import re
import time
from typing import Final

import orjson
from opentelemetry.trace import Span, format_span_id, format_trace_id
from starlette.types import ASGIApp, Receive, Scope, Send

from hop_contracts import CODE_PATTERN, is_reserved
from hop_instrumentation import RequestObserver
from hop_redirect.dependencies import RedirectServices
from hop_redirect.errors import LinksUnavailableError, LookupsThrottledError
from hop_redirect.hosts import PLATFORM, UNKNOWN, UNSURE
from hop_redirect.responses import EMPTY_BODY, PERMANENT, Answer, Route

__all__ = ["ROUTE", "RedirectFront"]

ROUTE: Final = "/{code}"
_CODE_PATH: Final = re.compile(f"/({CODE_PATTERN})")
_ALLOWED: Final = b"GET, HEAD"
#: Headers with which browsers mark a speculative request (a prefetch is not a click).
_PREFETCH_HEADERS: Final = frozenset({b"sec-purpose", b"purpose", b"x-moz", b"x-purpose"})


class RedirectFront:
    """Serve redirects from the cache and record their clicks; hand the rest to ``app``."""

    def __init__(
        self, app: ASGIApp, services: RedirectServices, *, observer: RequestObserver
    ) -> None:
        # Bound once here, so a request costs no attribute lookups through ``services``.
        settings = services.settings
        country_header = settings.country_header
        self.app = app
        self._lookup = services.cache.lookup
        self._fetch = services.cache.fetch
        self._count_unknown_host = services.cache.count_unknown_host
        self._known_hosts = services.hosts.known  # emptied in place, never replaced
        self._learn_host = services.hosts.learn
        self._renderer = services.renderer
        self._record = services.clicks.record
        self._observer = observer
        self._country = country_header.lower().encode("latin-1") if country_header else None
        self._sample = settings.access_log_sample_ratio
        self._method_not_allowed = _method_not_allowed()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        match = _CODE_PATH.fullmatch(scope["path"])
        # Reserved words look like codes but are never links (links refuses to create them).
        if match is None or is_reserved(match[1]):
            await self.app(scope, receive, send)
            return
        code = match[1]
        observer = self._observer
        opened = observer.start(scope)
        status = 500
        try:
            method = scope["method"]
            if method != "GET" and method != "HEAD":
                status = await self._not_allowed(send)
                return
            host = accept = referrer = agent = country = None
            is_click = method == "GET"
            country_header = self._country
            for name, value in scope["headers"]:
                if name == b"host":
                    host = value if host is None else b""  # two Hosts: which one? neither
                elif name == b"accept":
                    accept = value
                elif name == b"user-agent":
                    agent = value
                elif name == b"referer":
                    referrer = value
                elif name == country_header:
                    country = value
                elif name in _PREFETCH_HEADERS and b"prefetch" in value.lower():
                    is_click = False
            learned = False
            domain: str | None
            route: Route | None
            if host is None:
                domain = PLATFORM  # HTTP/1.0 without Host: no branded domain was asked for
            else:
                domain = self._known_hosts.get(host)
                if domain is None:
                    domain = self._learn_host(host)
                    learned = True
            if domain is UNKNOWN or domain is UNSURE:
                route = self._refuse_host(domain, learned)
                is_click = False
            else:
                route = self._lookup(f"{domain}/{code}" if domain else code)
                if route is None:
                    route = await self._resolve(code, domain)
            answer = route.answer if route.plain else self._choose(route, scope)
            if accept is not None and b"text/html" in accept:
                await send(answer.html_start)
                await send(answer.html_body if method == "GET" else EMPTY_BODY)
            else:
                await send(answer.json_start)
                await send(answer.json_body if method == "GET" else EMPTY_BODY)
            status = answer.status
            if status < 400 and is_click:
                self._record(route.link_id, code, referrer, agent, country, _traceparent(opened[0]))
        finally:
            log = status >= 400 or random.random() < self._sample
            observer.finish(scope, opened, ROUTE, status, log=log)

    async def _resolve(self, code: str, domain: str) -> Route:
        try:
            return await self._fetch(code, domain)
        except LookupsThrottledError:
            return Route(self._renderer.throttled)
        except LinksUnavailableError:
            return Route(self._renderer.unavailable)

    def _refuse_host(self, domain: str, learned: bool) -> Route:
        if domain is UNSURE:
            return Route(self._renderer.unavailable)
        try:
            self._count_unknown_host(remembered=not learned)
        except LookupsThrottledError:
            return Route(self._renderer.throttled)
        return Route(self._renderer.unknown_host)

    async def _not_allowed(self, send: Send) -> int:
        await send(self._method_not_allowed.json_start)
        await send(self._method_not_allowed.json_body)
        return 405

    def _choose(self, route: Route, scope: Scope) -> Answer:
        expires_at = route.expires_at
        query: bytes = scope["query_string"] if route.forward_query else b""
        if expires_at is not None:
            if time.time() >= expires_at and route.gone is not None:
                return route.gone
            if route.answer.status in PERMANENT:
                return self._renderer.per_request(route, query)  # max-age counts down
        if query:
            return self._renderer.per_request(route, query)
        return route.answer


def _traceparent(span: Span) -> str | None:
    context = span.get_span_context()
    if not context.trace_flags.sampled:
        return None
    return f"00-{format_trace_id(context.trace_id)}-{format_span_id(context.span_id)}-01"


def _method_not_allowed() -> Answer:
    body = orjson.dumps({"detail": "Short links answer GET and HEAD only."})
    headers = [(b"allow", _ALLOWED), (b"cache-control", b"no-store")]
    return Answer(405, headers, body, body)
