"""The links client over a real loopback connection: answers, failures, pool and trace context."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import orjson
import pytest
from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider
from starlette.types import Receive, Scope, Send

from hop_contracts import (
    MAX_RESOLVE_CODES,
    RESOLVE_BATCH_PATH,
    RESOLVE_PATH,
    ResolvedLink,
    VerifiedDomains,
)
from hop_contracts.testing import ClickSink, FakeLinks, link_body
from hop_instrumentation.testing import LoopbackServers, app_client
from hop_redirect.app import create_app
from hop_redirect.errors import LinksUnavailableError
from hop_redirect.links_client import PROBE_CODE, LinksClient, to_link
from hop_redirect.records import Link
from hop_redirect.settings import RedirectSettings

AppFactory = Callable[..., tuple[FastAPI, FakeLinks, ClickSink]]
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


class Answering:
    """Answer every request with ``status`` and ``body`` after ``delay``; keep paths and headers."""

    def __init__(self, status: int, body: bytes, delay: float = 0.0) -> None:
        self.status, self.body, self.delay = status, body, delay
        self.requests: dict[str, dict[bytes, bytes]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.requests[scope["path"]] = dict(scope["headers"])
        await asyncio.sleep(self.delay)
        await send({"type": "http.response.start", "status": self.status, "headers": []})
        await send({"type": "http.response.body", "body": self.body})


def _client(url: str, *, timeout: float = 2.0) -> LinksClient:
    return LinksClient(url, tracer_provider=TracerProvider(), timeout=timeout, pool_size=8)


async def test_links_client_resolves_a_link_and_an_unknown_code(
    loopback: LoopbackServers,
) -> None:
    body = link_body("abc", "https://example.com/", expires_at="2030-01-02T03:04:05Z")
    client = _client(loopback.serve(FakeLinks({"abc": body})))
    try:
        found, unknown = await client.resolve("abc"), await client.resolve("nope")
    finally:
        await client.aclose()
    assert found == Link(
        id=body["id"],
        code="abc",
        url="https://example.com/",
        redirect_status=302,
        forward_query=False,
        expires_at=1893553445.0,
        disabled=False,
    )
    assert unknown is None


async def test_links_client_resolves_codes_on_a_branded_domain_one_and_many(
    loopback: LoopbackServers,
) -> None:
    acme = {"abc": link_body("abc", "https://acme.example/"), "x": link_body("x", "https://x/")}
    links = FakeLinks(
        {"abc": link_body("abc", "https://example.com/")},
        domains={"go.acme.test": acme, "go.other.test": acme},
        platform="hop.test",
        verified={"go.acme.test"},
    )
    client = _client(loopback.serve(links))
    try:
        one = await client.resolve("abc", "go.acme.test")
        many = await client.resolve_many(["abc", "x", "nope"], "go.acme.test")
        unverified = await client.resolve_many(["abc", "x"], "go.other.test")
        platform = await client.resolve("abc")
    finally:
        await client.aclose()
    assert (one and one.url) == "https://acme.example/"
    assert {code: link and link.url for code, link in many.items()} == {
        "abc": "https://acme.example/",
        "x": "https://x/",
        "nope": None,
    }
    assert unverified == {"abc": None, "x": None}
    assert (platform and platform.url) == "https://example.com/"
    assert links.batches == [
        ["go.acme.test/abc", "go.acme.test/x", "go.acme.test/nope"],
        ["go.other.test/abc", "go.other.test/x"],
    ]


async def test_links_client_reads_verified_domains_and_none_from_an_older_links(
    loopback: LoopbackServers,
) -> None:
    newer = _client(loopback.serve(FakeLinks(platform="hop.test", verified={"go.acme.test"})))
    older = _client(loopback.serve(FakeLinks()))
    broken = _client(loopback.serve(Answering(200, b'{"platform": 1}')))
    try:
        listed, unlisted = await newer.verified_domains(), await older.verified_domains()
        with pytest.raises(LinksUnavailableError, match=r"^links answered a malformed domains"):
            await broken.verified_domains()
    finally:
        for client in (newer, older, broken):
            await client.aclose()
    assert listed == VerifiedDomains(platform="hop.test", domains=["go.acme.test"])
    assert unlisted is None


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (Answering(500, b"{}"), "links answered 500 for 'abc'."),
        (Answering(200, b'{"code": "abc"}'), "links answered a malformed link for 'abc'."),
        (Answering(200, b"not json"), "links answered a malformed link for 'abc'."),
        (Answering(200, b"{}", delay=5.0), "links is unreachable: TimeoutError."),
    ],
)
async def test_links_client_failure_raises_links_unavailable(
    loopback: LoopbackServers, answer: Answering, message: str
) -> None:
    client = _client(loopback.serve(answer), timeout=0.3)
    try:
        with pytest.raises(LinksUnavailableError) as raised:
            await client.resolve("abc")
    finally:
        await client.aclose()
    assert str(raised.value) == message


async def test_links_client_resolves_many_codes_in_one_request(
    loopback: LoopbackServers,
) -> None:
    fake = FakeLinks({"abc": link_body("abc", "https://example.com/")})
    client = _client(loopback.serve(fake))
    try:
        answered = await client.resolve_many(["abc", "nope"])
        single = await client.resolve("abc")
    finally:
        await client.aclose()
    assert answered == {"abc": single, "nope": None}
    assert fake.batches == [["abc", "nope"]]


async def test_links_client_batch_to_a_links_without_the_route_asks_each_code(
    loopback: LoopbackServers,
) -> None:
    body = link_body("abc", "https://example.com/")
    fake = FakeLinks({"abc": body})

    async def older_links(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == RESOLVE_BATCH_PATH:
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b'{"detail":"Not Found"}'})
        else:
            await fake(scope, receive, send)

    client = _client(loopback.serve(older_links))
    try:
        answered = await client.resolve_many(["abc", "nope"])
    finally:
        await client.aclose()
    assert answered == {"abc": to_link(ResolvedLink.model_validate(body)), "nope": None}
    assert (fake.batches, fake.calls["abc"], fake.calls["nope"]) == ([], 1, 1)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (Answering(503, b"{}"), "links answered 503 for 2 codes."),
        (Answering(422, b"{}"), "links answered 422 for 2 codes."),
        (Answering(200, b'{"links": {"a": {"code": "a"}}}'), "links answered a malformed batch"),
        (Answering(200, b"[]"), "links answered a malformed batch for 2 codes."),
        (Answering(200, b"{}", delay=5.0), "links is unreachable: TimeoutError."),
    ],
)
async def test_links_client_batch_failure_raises_links_unavailable(
    loopback: LoopbackServers, answer: Answering, message: str
) -> None:
    client = _client(loopback.serve(answer), timeout=0.3)
    try:
        with pytest.raises(LinksUnavailableError) as raised:
            await client.resolve_many(["a", "b"])
    finally:
        await client.aclose()
    assert str(raised.value).startswith(message)
    assert list(answer.requests) == [RESOLVE_BATCH_PATH]


async def test_links_client_unreachable_links_raises_links_unavailable() -> None:
    client = _client("http://127.0.0.1:9")
    try:
        with pytest.raises(LinksUnavailableError, match=r"^links is unreachable: Client"):
            await client.resolve("abc")
        with pytest.raises(LinksUnavailableError):
            await client.ping()
    finally:
        await client.aclose()


async def test_links_client_ping_accepts_a_404_and_refuses_a_5xx(
    loopback: LoopbackServers,
) -> None:
    down = FakeLinks()
    down.down = True
    healthy, failing = _client(loopback.serve(FakeLinks())), _client(loopback.serve(down))
    try:
        await healthy.ping()
        with pytest.raises(LinksUnavailableError, match=r"^links answered 503\.$"):
            await failing.ping()
    finally:
        await healthy.aclose()
        await failing.aclose()


_LINK = link_body("abc", "https://example.com/")
_RESOLVES = RESOLVE_PATH.removesuffix("{code}").removesuffix("/")


@pytest.mark.parametrize(
    ("batch_size", "codes", "path", "answer"),
    [
        # A lone miss takes the one-code route, batching or not.
        (1, ["abc"], RESOLVE_PATH.format(code="abc"), _LINK),
        (MAX_RESOLVE_CODES, ["abc"], RESOLVE_PATH.format(code="abc"), _LINK),
        # Concurrent misses share a batch, which carries the trace of the sampled one.
        (MAX_RESOLVE_CODES, ["un1", "abc", "un2"], RESOLVE_BATCH_PATH,
         {"links": {"un1": None, "abc": _LINK, "un2": None}}),
    ],
)  # fmt: skip
async def test_redirect_miss_carries_the_requests_trace_to_links(
    make_settings: Callable[..., RedirectSettings],
    loopback: LoopbackServers,
    batch_size: int,
    codes: list[str],
    path: str,
    answer: dict[str, object],
) -> None:
    links = Answering(200, orjson.dumps(answer))
    settings = make_settings(
        links_url=loopback.serve(links), health_check_interval=60.0, links_batch_size=batch_size
    )
    # Clicks go to an in-process sink: with no analytics at all, shutdown would spend its
    # whole flush budget (4 s) trying to deliver the click.
    app = create_app(settings, analytics_transport=httpx.ASGITransport(ClickSink()))
    traceparent = f"00-{TRACE_ID}-00f067aa0ba902b7-01"
    unsampled = f"00-{'1' * 32}-00f067aa0ba902b7-00"
    async with app_client(app) as client:
        answers = await asyncio.gather(*(
            client.get(f"/{code}", headers={"traceparent": traceparent if code == "abc"
                                            else unsampled})
            for code in codes
        ))  # fmt: skip
    assert [a.status_code for a in answers] == [302 if c == "abc" else 404 for c in codes]
    resolves = [asked for asked in links.requests if asked.startswith(_RESOLVES)]
    assert [asked for asked in resolves if PROBE_CODE not in asked] == [path]
    sent = links.requests[path][b"traceparent"].decode()
    version, trace_id, parent, flags = sent.split("-")
    assert (version, trace_id, flags) == ("00", TRACE_ID, "01")
    assert parent != "00f067aa0ba902b7"  # redirect's own client span is links' parent
