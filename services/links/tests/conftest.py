"""Fixtures: a migrated database (SQLite, and the real PostgreSQL), the app, API keys."""

from __future__ import annotations

import asyncio
import shutil
import socket
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from dnslib import AAAA, QTYPE, RCODE, RR, TXT, A, DNSRecord
from dnslib.server import BaseResolver, DNSHandler, DNSLogger, DNSServer
from fastapi import FastAPI
from sqlalchemy import text

from hop_instrumentation.database import create_engine
from hop_instrumentation.testing import app_client, make_test_settings, temporary_database
from hop_links.app import create_app
from hop_links.database import MIGRATIONS
from hop_links.dependencies import services_of
from hop_links.settings import LinksSettings

PUBLIC_BASE_URL = "https://hop.test"
TABLES = "domains, sessions, link_state_changes, link_tags, links, api_keys, owners"


def _migrate(url: str) -> None:
    async def run() -> None:
        engine = create_engine(url)
        try:
            await MIGRATIONS.upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(run())


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for every test."""
    path = tmp_path_factory.mktemp("template") / "links.db"
    _migrate(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A migrated PostgreSQL database of this test run, dropped at the end."""
    with temporary_database(prefix="hop_links_test") as url:
        _migrate(url)
        yield url


async def _truncate(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A fresh migrated SQLite database for this test."""
    path = tmp_path / "links.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database for this test: SQLite, then PostgreSQL."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_url")
        return
    url: str = request.getfixturevalue("postgres_url")
    yield url
    asyncio.run(_truncate(url))


def build_app(database_url: str, **overrides: Any) -> FastAPI:
    """Build the links app on ``database_url`` with test settings."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "public_base_url": PUBLIC_BASE_URL,
        # Python 3.11's wait_for can swallow a cancel that races a check finishing, which
        # hangs Readiness.stop(); a slow re-check interval keeps that race out of tests.
        "health_check_interval": 30.0,
        # No domain checks (no DNS query leaves the machine): the tests that check domains
        # turn them on, with a DNS server on loopback (`dns_zone`). Turned on, the periodic
        # re-checks look for due domains only after this; tests drive `check_due` instead.
        "verification_enabled": False,
        "verification_poll_interval": 600.0,
        **overrides,
    }
    settings = make_test_settings(LinksSettings, **values)
    return create_app(settings)


async def new_key(app: FastAPI, owner: str | None = None) -> str:
    """Create an owner (a fresh one unless named) and return a new API key of it."""
    accounts = services_of(app).accounts
    name = owner or f"owner-{uuid.uuid4().hex[:8]}"
    if owner is None:
        await accounts.create_owner(name)
    return (await accounts.create_key(name)).secret


def bearer(key: str) -> dict[str, str]:
    """Return the Authorization header for ``key``."""
    return {"Authorization": f"Bearer {key}"}


async def create_link(
    client: httpx.AsyncClient, auth: dict[str, str], **body: Any
) -> dict[str, Any]:
    """Create a link (to ``https://example.com/`` unless ``body`` names a url); return its body."""
    response = await client.post(
        "/api/v1/links", json={"url": "https://example.com/", **body}, headers=auth
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def resolved_body(link_id: str, code: str, url: str, **changes: Any) -> dict[str, Any]:
    """Return the internal resolve answer for a link with the defaults but for ``changes``."""
    return {
        "id": link_id,
        "code": code,
        "url": url,
        "redirect_status": 302,
        "forward_query": False,
        "expires_at": None,
        "disabled": False,
        **changes,
    }


async def drop_other_connections(url: str) -> int:
    """Drop every other connection to ``url``'s database, as a PostgreSQL restart does.

    Returns how many were dropped, so a test can tell it dropped the ones it meant to.
    """
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            dropped = await connection.scalar(
                text(
                    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) "
                    "FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
    finally:
        await engine.dispose()
    return int(dropped or 0)


@pytest.fixture
def app(database_url: str) -> FastAPI:
    return build_app(database_url)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(app) as client:
        yield client


@pytest.fixture
async def key(app: FastAPI, client: httpx.AsyncClient) -> str:
    return await new_key(app)


@pytest.fixture
def auth(key: str) -> dict[str, str]:
    return bearer(key)


@pytest.fixture
def make_app(database_url: str) -> Any:
    """Return a factory of apps on this test's database: ``make_app(**settings)``."""
    return lambda **overrides: build_app(database_url, **overrides)


@pytest.fixture
def make_key(app: FastAPI, client: httpx.AsyncClient) -> Any:
    """Return ``await make_key(owner=None)``: a new API key (of a new owner by default)."""
    return lambda owner=None: new_key(app, owner)


@pytest.fixture
def empty_postgres_url() -> Iterator[str]:
    """A plain ``postgresql://`` URL (as operators publish it) of a fresh, empty database."""
    with temporary_database(prefix="hop_links_test") as url:
        yield url


@dataclass
class DnsZone(BaseResolver):  # type: ignore[misc]
    """A real DNS server on loopback (UDP) answering from its records; NXDOMAIN else."""

    txt: dict[str, list[str | list[str]]] = field(default_factory=dict)
    a: dict[str, list[str]] = field(default_factory=dict)
    aaaa: dict[str, list[str]] = field(default_factory=dict)
    nameserver: str = ""
    queries: list[str] = field(default_factory=list)

    def resolve(self, request: DNSRecord, handler: DNSHandler) -> DNSRecord:
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        kind = QTYPE[request.q.qtype]
        self.queries.append(f"{kind} {name}")
        if name not in self.txt and name not in self.a and name not in self.aaaa:
            reply.header.rcode = RCODE.NXDOMAIN
        for value in self.txt.get(name, []) if kind == "TXT" else []:
            reply.add_answer(RR(name, QTYPE.TXT, rdata=TXT(value), ttl=60))
        for value in self.a.get(name, []) if kind == "A" else []:
            reply.add_answer(RR(name, QTYPE.A, rdata=A(value), ttl=60))
        for value in self.aaaa.get(name, []) if kind == "AAAA" else []:
            reply.add_answer(RR(name, QTYPE.AAAA, rdata=AAAA(value), ttl=60))
        return reply


@pytest.fixture
def dns_zone() -> Iterator[DnsZone]:
    """A DNS server on 127.0.0.1 (``dns_zone.nameserver`` is its ``host:port``)."""
    zone = DnsZone()
    server = DNSServer(zone, address="127.0.0.1", port=0, logger=DNSLogger(logf=lambda _: None))
    host, port = server.server.server_address
    zone.nameserver = f"{host}:{port}"
    server.start_thread()
    yield zone
    server.stop()
    server.server.server_close()


@pytest.fixture
def silent_nameserver() -> Iterator[str]:
    """A UDP port on loopback that takes DNS queries and never answers: a timeout."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        host, port = sock.getsockname()
        yield f"{host}:{port}"


@dataclass
class ChallengeSite:
    """A real HTTP server on loopback answering ``pages[path] = (status, body, headers)``."""

    pages: dict[str, tuple[int, bytes, dict[str, str]]] = field(default_factory=dict)
    address: str = ""
    hosts: list[str] = field(default_factory=list)


@pytest.fixture
def challenge_site() -> Iterator[ChallengeSite]:
    """An HTTP server on 127.0.0.1 (``challenge_site.address`` is its ``host:port``)."""
    site = ChallengeSite()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            site.hosts.append(self.headers.get("Host", ""))
            status, body, headers = site.pages.get(self.path, (404, b"not found", {}))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    host, port = server.server_address[:2]
    site.address = f"{host}:{port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield site
    server.shutdown()
    server.server_close()
    thread.join()
