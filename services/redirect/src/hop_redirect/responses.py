"""Precomputed ASGI responses: built once per cached link, reused for every request.

A cached code holds its response messages ready to send, in JSON and in HTML (for
browsers), so a cache hit allocates almost nothing. ``Cache-Control`` fits the
status: 301/308 may be cached for ``permanent_max_age`` (which the app caps at the
cache TTL, so a browser never keeps a redirect longer than redirect itself may), and
never past the link's expiry: a link that expires gets its ``max-age`` per request;
302/307 and every error are ``no-store`` (a browser that cached a 302 would stop
producing clicks).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from html import escape
from typing import Any, Final
from urllib.parse import quote, quote_from_bytes

import orjson

from hop_redirect.records import Link

__all__ = ["EMPTY_BODY", "PERMANENT", "Answer", "Renderer", "Route"]

Message = dict[str, Any]
EMPTY_BODY: Final[Message] = {"type": "http.response.body", "body": b""}
_URL_SAFE: Final = ":/?#[]@!$&'()*+,;=%-._~"
_QUERY_SAFE: Final = "/?:@!$&'()*+,;=%-._~"
_JSON: Final = (b"content-type", b"application/json")
_HTML: Final = (b"content-type", b"text/html; charset=utf-8")
_NO_STORE: Final = (b"cache-control", b"no-store")
PERMANENT: Final = frozenset({301, 308})


class Answer:
    """One response in both representations, as ready-to-send ASGI messages."""

    __slots__ = ("html_body", "html_start", "json_body", "json_start", "status")

    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], json: bytes, html: bytes):
        self.status = status
        self.json_start = _start(status, headers, _JSON, json)
        self.json_body: Message = {"type": "http.response.body", "body": json}
        self.html_start = _start(status, headers, _HTML, html)
        self.html_body: Message = {"type": "http.response.body", "body": html}


class Route:
    """What the fast path needs to answer one code."""

    __slots__ = ("answer", "expires_at", "forward_query", "gone", "link_id", "plain", "url")

    def __init__(
        self,
        answer: Answer,
        *,
        link_id: str = "",
        url: str = "",
        forward_query: bool = False,
        expires_at: float | None = None,
        gone: Answer | None = None,
    ) -> None:
        self.answer = answer
        #: The stable id of the link this route was built from (clicks carry it).
        self.link_id = link_id
        self.url = url
        self.forward_query = forward_query
        self.expires_at = expires_at
        self.gone = gone
        #: Nothing to decide per request: the precomputed answer always applies.
        self.plain = expires_at is None and not forward_query


class Renderer:
    """Build the answers of the redirect service."""

    def __init__(
        self,
        *,
        permanent_max_age: int,
        retry_after: int,
        throttled_retry_after: int,
        unknown_host_url: str | None = None,
        is_served: Callable[[str], bool] = lambda url: False,
    ) -> None:
        self._max_age = permanent_max_age
        self._is_served = is_served
        self.not_found = _error(404, "No link has this code.", "Not found")
        self.unknown_host = (
            self.redirect(302, quote(unknown_host_url, safe=_URL_SAFE))
            if unknown_host_url is not None
            else _error(404, "hop serves no links on this host.", "Not found")
        )
        # links refuses these targets; one created before its domain was verified is not
        # followed either: hop would redirect to itself.
        self.loop = _error(
            404, "This link points back at a host hop serves; it is not followed.", "Not found"
        )
        self.unavailable = _error(
            503,
            "The link cannot be resolved right now; retry shortly.",
            "Temporarily unavailable",
            [(b"retry-after", str(retry_after).encode())],
        )
        # A scan of unknown codes is the client's doing, not an outage: 429, never a 5xx
        # that would spend the availability budget (and page) on someone else's behalf.
        self.throttled = _error(
            429,
            "Too many unknown codes were asked for lately; this one is not looked up now."
            " Retry after the time in Retry-After.",
            "Too many requests",
            [(b"retry-after", str(throttled_retry_after).encode())],
        )

    def route(self, code: str, link: Link | None) -> Route:
        """Return the route of a code: its redirect, or the error it answers."""
        if link is None or link.disabled:
            return Route(self.not_found)
        if self._is_served(link.url):
            return Route(self.loop)
        url = quote(link.url, safe=_URL_SAFE)
        gone = None
        if link.expires_at is not None:
            gone = _error(410, f"The link {code!r} has expired.", "Link expired")
        return Route(
            self.redirect(link.redirect_status, url, expires_at=link.expires_at),
            link_id=link.id,
            url=url,
            forward_query=link.forward_query,
            expires_at=link.expires_at,
            gone=gone,
        )

    def redirect(self, status: int, url: str, *, expires_at: float | None = None) -> Answer:
        """Return a redirect to ``url`` (percent-encoded), cacheable until ``expires_at``."""
        cache = _NO_STORE
        if status in PERMANENT:
            max_age = self._max_age
            if expires_at is not None:
                max_age = max(0, min(max_age, int(expires_at - time.time())))
            cache = (b"cache-control", f"public, max-age={max_age}".encode())
        headers = [(b"location", url.encode("ascii")), cache]
        if status in PERMANENT:
            headers.append((b"vary", b"accept"))
        json = orjson.dumps({"location": url})
        link = escape(url)
        html = f'<!doctype html><title>Redirecting</title><a href="{link}">{link}</a>\n'
        return Answer(status, headers, json, html.encode())

    def per_request(self, route: Route, query: bytes) -> Answer:
        """Return the route's redirect now: with the request's query, max-age up to expiry."""
        url = route.url
        if query:
            url, hash_, fragment = url.partition("#")
            separator = "&" if "?" in url else "?"
            extra = quote_from_bytes(query, safe=_QUERY_SAFE)
            url = f"{url}{separator}{extra}{hash_}{fragment}"
        return self.redirect(route.answer.status, url, expires_at=route.expires_at)


def _error(
    status: int, detail: str, title: str, headers: list[tuple[bytes, bytes]] | None = None
) -> Answer:
    json = orjson.dumps({"detail": detail})
    html = f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{escape(detail)}</p>\n"
    return Answer(status, [_NO_STORE, *(headers or [])], json, html.encode())


def _start(
    status: int, headers: list[tuple[bytes, bytes]], content_type: tuple[bytes, bytes], body: bytes
) -> Message:
    length = (b"content-length", str(len(body)).encode())
    return {
        "type": "http.response.start",
        "status": status,
        "headers": [*headers, content_type, length],
    }
