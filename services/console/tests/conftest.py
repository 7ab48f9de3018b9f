"""Fixtures: a console app over fake links and analytics, and a browser-like client.

``FakeLinksApi`` keeps each link with its owner: a key sees only its own links (another
owner's code answers 404 as links does); an unknown key answers 401. It keeps branded
domains too (a code is unique per domain; ``provable`` names the domains a check proves).
``FakeStatsApi`` answers a link's stats for its owner from ``clicks`` (code, or
``domain/code`` on a branded domain, -> day -> (clicks, bots)), and the owner-wide stats
over every link the key's owner has now.
hop_contracts.testing.FakeLinks stands in where only links' availability matters.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response

from hop_console.app import create_app
from hop_console.settings import ConsoleSettings
from hop_contracts.testing import fake_link_id
from hop_instrumentation.testing import app_client, make_test_settings

ALICE_KEY = "hop_alice_key"
BOB_KEY = "hop_bob_key"
SECRET = "s" * 40
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
SHORT_BASE = "https://console.test/"
PLATFORM = "console.test"  # the console is served on the platform host
RESERVED = {"console", "api", "links"}


class FakeLinksApi:
    """links' ``/api/v1/links`` routes, per owner key, and its session routes (``internal``).

    A session token (``hops_<n>``) acts for its key's owner until it is ended.
    """

    def __init__(self, keys: dict[str, str]) -> None:
        self.keys = keys
        self.links: dict[str, dict[str, Any]] = {}
        self.owner_of: dict[str, str] = {}
        #: Live sessions: token -> (id, owner, label).
        self.sessions: dict[str, tuple[int, str, str]] = {}
        self.opened: list[dict[str, Any]] = []
        #: Branded domains by name, their owners, and the names a check proves.
        self.domains: dict[str, dict[str, Any]] = {}
        self.domain_owner: dict[str, str] = {}
        self.provable: set[str] = set()
        self.app = self._build()
        self.internal = self._build_internal()
        self._counter = 0

    def add(self, owner: str, code: str, url: str, **fields: Any) -> dict[str, Any]:
        """Store a link of ``owner`` directly."""
        now = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=len(self.links))
        domain = fields.pop("domain", None) or PLATFORM
        link = {
            "id": fake_link_id(f"{domain}/{code}"), "code": code, "domain": domain,
            "short_url": f"https://{domain}/{code}", "url": url, "redirect_status": 302,
            "forward_query": False, "expires_at": None, "disabled": False, "tags": [],
            "created_at": now.isoformat(), "updated_at": now.isoformat(), **fields,
        }  # fmt: skip
        self.links[_key(domain, code)] = link
        self.owner_of[_key(domain, code)] = owner
        return link

    def add_domain(self, owner: str, name: str, **fields: Any) -> dict[str, Any]:
        """Store a branded domain of ``owner`` directly (pending unless ``fields`` say)."""
        token = f"tok-{name.replace('.', '-')}"
        self.domains[name] = {
            "name": name, "status": "pending", "reason": None,
            "verification": {
                "txt_name": f"_hop-challenge.{name}", "txt_value": f"hop-challenge={token}",
                "http_url": f"http://{name}/.well-known/hop-challenge/{token}",
            },
            "links": 0, "created_at": "2026-11-01T00:00:00Z", "verified_at": None,
            "last_checked_at": None, **fields,
        }  # fmt: skip
        self.domain_owner[name] = owner
        return self.domains[name]

    def _domain(self, owner: str, name: str) -> dict[str, Any]:
        if self.domain_owner.get(name) != owner:
            raise HTTPException(404, f"You have no domain {name!r}.")
        on = [key for key in self.links if self.links[key]["domain"] == name]
        return {**self.domains[name], "links": len(on)}

    def _owner(self, authorization: str | None) -> str:
        key = (authorization or "").removeprefix("Bearer ")
        if key in self.sessions:
            return self.sessions[key][1]
        if key not in self.keys:
            raise HTTPException(401, "The API key is missing, unknown or revoked.")
        return self.keys[key]

    def _build_internal(self) -> FastAPI:
        app = FastAPI()

        @app.post("/internal/v1/sessions", status_code=201)
        async def open_session(request: Request, authorization: str | None = Header(None)) -> Any:
            key = (authorization or "").removeprefix("Bearer ")
            if key not in self.keys:
                raise HTTPException(401, "The API key is missing, unknown or revoked.")
            body = await request.json()
            self.opened.append(body)
            token = f"hops_{len(self.opened)}"
            self.sessions[token] = (len(self.opened), self.keys[key], body["label"])
            return {"id": len(self.opened), "token": token, "expires_at": "2030-01-01T00:00:00Z"}

        @app.get("/internal/v1/sessions")
        async def list_sessions(authorization: str | None = Header(None)) -> Any:
            owner = self._owner(authorization)
            mine = (authorization or "").removeprefix("Bearer ")
            items = [
                {"id": sid, "label": label, "created_at": "2029-12-31T08:00:00Z",
                 "expires_at": "2030-01-01T00:00:00Z", "current": token == mine}
                for token, (sid, who, label) in reversed(self.sessions.items())
                if who == owner
            ]  # fmt: skip
            return {"items": items}

        @app.delete("/internal/v1/sessions/{session_id}", status_code=204)
        async def end(session_id: int, authorization: str | None = Header(None)) -> Response:
            owner = self._owner(authorization)
            for token, (sid, who, _) in list(self.sessions.items()):
                if sid == session_id and who == owner:
                    del self.sessions[token]
                    return Response(status_code=204)
            raise HTTPException(404, f"You have no session with the id {session_id}.")

        return app

    def _mine(self, owner: str, code: str, domain: str | None = None) -> dict[str, Any]:
        key = _key(domain or PLATFORM, code)
        if self.owner_of.get(key) != owner:
            raise HTTPException(404, f"No link with code {code!r} exists for this API key.")
        return self.links[key]

    def _add_domain_routes(self, app: FastAPI) -> None:
        @app.get("/api/v1/domains")
        async def domains(authorization: str | None = Header(None)) -> Any:
            owner = self._owner(authorization)
            mine = [n for n, who in self.domain_owner.items() if who == owner]
            return {"items": [self._domain(owner, name) for name in mine]}

        @app.post("/api/v1/domains", status_code=201)
        async def add(request: Request, authorization: str | None = Header(None)) -> Any:
            owner = self._owner(authorization)
            name = str((await request.json()).get("name", "")).strip().lower().rstrip(".")
            if "." not in name or not re.fullmatch(r"[a-z0-9.-]+", name):
                return JSONResponse({"detail": f"name: {name!r} is not a domain name."}, 422)
            if name in self.domains:
                return JSONResponse({"detail": f"The domain {name!r} is already taken."}, 409)
            self.add_domain(owner, name)
            return self._domain(owner, name)

        @app.get("/api/v1/domains/{name}")
        async def read(name: str, authorization: str | None = Header(None)) -> Any:
            return self._domain(self._owner(authorization), name)

        @app.post("/api/v1/domains/{name}:verify")
        async def verify(name: str, authorization: str | None = Header(None)) -> Any:
            owner = self._owner(authorization)
            self._domain(owner, name)
            proved = name in self.provable
            self.domains[name].update(
                status="verified" if proved else "pending",
                reason=None if proved else f"No TXT record _hop-challenge.{name}.",
                last_checked_at="2026-11-02T09:30:00Z",
                verified_at="2026-11-02T09:30:00Z" if proved else None,
            )
            return self._domain(owner, name)

        @app.delete("/api/v1/domains/{name}")
        async def delete(name: str, authorization: str | None = Header(None)) -> Any:
            self._domain(self._owner(authorization), name)
            on = [key for key in self.links if self.links[key]["domain"] == name]
            for key in on:
                del self.links[key]
                del self.owner_of[key]
            del self.domains[name]
            del self.domain_owner[name]
            return {"name": name, "deleted_links": len(on)}

    def _build(self) -> FastAPI:
        app = FastAPI()

        @app.get("/api/v1/links")
        async def page(
            authorization: str | None = Header(None),
            limit: int = 20,
            cursor: str | None = None,
            tag: str | None = None,
            domain: str | None = None,
        ) -> dict[str, Any]:
            owner = self._owner(authorization)
            mine = [link for c, link in self.links.items() if self.owner_of[c] == owner]
            mine = [link for link in reversed(mine) if tag is None or tag in link["tags"]]
            mine = [link for link in mine if domain is None or link["domain"] == domain]
            start = int(cursor or 0)
            items = mine[start : start + limit]
            more = start + limit < len(mine)
            return {"items": items, "next_cursor": str(start + limit) if more else None}

        @app.post("/api/v1/links", status_code=201)
        async def create(request: Request, authorization: str | None = Header(None)) -> Any:
            owner = self._owner(authorization)
            body = await request.json()
            if not str(body.get("url", "")).startswith(("http://", "https://")):
                return JSONResponse({"detail": "url: must be an absolute http(s) URL."}, 422)
            code = body.pop("code", None)
            domain = body.get("domain") or PLATFORM
            if domain != PLATFORM and self.domain_owner.get(domain) != owner:
                return JSONResponse({"detail": f"domain: You have no domain {domain!r}."}, 422)
            if code in RESERVED:
                return JSONResponse({"detail": f"The code {code!r} is reserved."}, 422)
            if _key(domain, code) in self.links:
                return JSONResponse({"detail": f"The code {code!r} is already taken."}, 409)
            if code is None:
                self._counter += 1
                code = f"gen{self._counter:04d}"
            return self.add(owner, code, **body)

        @app.get("/api/v1/links/{code}")
        async def get(
            code: str, authorization: str | None = Header(None), domain: str | None = None
        ) -> Any:
            return self._mine(self._owner(authorization), code, domain)

        @app.patch("/api/v1/links/{code}")
        async def update(
            code: str,
            request: Request,
            authorization: str | None = Header(None),
            domain: str | None = None,
        ) -> Any:
            link = self._mine(self._owner(authorization), code, domain)
            changes = await request.json()
            if "url" in changes and not str(changes["url"]).startswith("http"):
                return JSONResponse({"detail": "url: must be an absolute http(s) URL."}, 422)
            link.update({k: v for k, v in changes.items() if v is not None or k == "expires_at"})
            return link

        @app.delete("/api/v1/links/{code}", status_code=204)
        async def delete(
            code: str, authorization: str | None = Header(None), domain: str | None = None
        ) -> Response:
            link = self._mine(self._owner(authorization), code, domain)
            del self.links[_key(link["domain"], code)]
            del self.owner_of[_key(link["domain"], code)]
            return Response(status_code=204)

        self._add_domain_routes(app)
        return app


class FakeStatsApi:
    """analytics' ``/api/v1/stats/{code}`` and ``/api/v1/stats`` from ``clicks``."""

    def __init__(self, links: FakeLinksApi) -> None:
        self.links = links
        self.clicks: dict[str, dict[date, tuple[int, int]]] = {}
        self.referrers: dict[str, dict[str, int]] = {}
        self.calls = 0
        self.app = self._build()

    def _days(self, code: str, start: date, end: date) -> list[dict[str, Any]]:
        days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        per_day = self.clicks.get(code, {})
        return [
            {"date": d.isoformat(), "clicks": per_day.get(d, (0, 0))[0],
             "bot_clicks": per_day.get(d, (0, 0))[1]}
            for d in days
        ]  # fmt: skip

    def _owner_stats(self, owner: str, start: date, end: date) -> dict[str, Any]:
        codes = [code for code, who in self.links.owner_of.items() if who == owner]
        each = {code: self._days(code, start, end) for code in codes}
        daily = [
            {"date": day["date"], "clicks": sum(e[i]["clicks"] for e in each.values()),
             "bot_clicks": sum(e[i]["bot_clicks"] for e in each.values())}
            for i, day in enumerate(self._days("", start, end))
        ]  # fmt: skip
        referrers: Counter[str] = Counter()
        for code in codes:
            referrers.update(self.referrers.get(code, {}))
        totals = [
            {"code": self.links.links[key]["code"], "domain": self.links.links[key]["domain"],
             "clicks": sum(d["clicks"] for d in days),
             "bot_clicks": sum(d["bot_clicks"] for d in days)}
            for key, days in each.items()
        ]  # fmt: skip
        by_domain: dict[str, dict[str, Any]] = {}
        for total in totals:
            row = by_domain.setdefault(
                total["domain"],
                {"domain": total["domain"], "links": 0, "clicks": 0, "bot_clicks": 0},
            )
            row["links"] += 1
            row["clicks"] += total["clicks"]
            row["bot_clicks"] += total["bot_clicks"]
        ranked = sorted((t for t in totals if t["clicks"]), key=lambda t: -t["clicks"])
        return {
            "links": len(codes), "from": start.isoformat(), "to": end.isoformat(),
            "include_bots": False, "total_clicks": sum(d["clicks"] for d in daily),
            "bot_clicks": sum(d["bot_clicks"] for d in daily), "daily": daily,
            "top": {
                "referrers": [{"value": v, "clicks": c} for v, c in referrers.most_common(10)],
                "browsers": [], "operating_systems": [], "devices": [], "countries": [],
            },
            "top_links": ranked[:10],
            "domains": sorted(by_domain.values(), key=lambda d: (-d["clicks"], d["domain"])),
        }  # fmt: skip

    def _build(self) -> FastAPI:
        app = FastAPI()

        @app.get("/api/v1/stats")
        async def owner_stats(
            authorization: str | None = Header(None),
            from_: str = Query(alias="from"),
            to: str = "",
        ) -> dict[str, Any]:
            self.calls += 1
            owner = self.links._owner(authorization)
            return self._owner_stats(owner, date.fromisoformat(from_), date.fromisoformat(to))

        @app.get("/api/v1/stats/{code}")
        async def stats(
            code: str,
            authorization: str | None = Header(None),
            from_: str = Query(alias="from"),
            to: str = "",
            domain: str | None = None,
        ) -> dict[str, Any]:
            self.calls += 1
            self.links._mine(self.links._owner(authorization), code, domain)
            key = _key(domain or PLATFORM, code)
            daily = self._days(key, date.fromisoformat(from_), date.fromisoformat(to))
            referrers = self.referrers.get(code, {})
            return {
                "code": code, "from": from_, "to": to, "include_bots": False,
                "total_clicks": sum(d["clicks"] for d in daily),
                "bot_clicks": sum(d["bot_clicks"] for d in daily),
                "daily": daily,
                "top": {
                    "referrers": [{"value": v, "clicks": c} for v, c in referrers.items()],
                    "browsers": [], "operating_systems": [], "devices": [], "countries": [],
                },
            }  # fmt: skip

        return app


def _key(domain: str, code: str) -> str:
    """Return where a link is kept: its code on the platform domain, else ``domain/code``."""
    return code if domain == PLATFORM else f"{domain}/{code}"


def settings(**overrides: Any) -> ConsoleSettings:
    values: dict[str, Any] = {
        "links_url": "http://links.test",
        "links_internal_url": "http://links-internal.test",
        "analytics_url": "http://analytics.test",
        "session_secret": SECRET,
    }
    values.update(overrides)
    return make_test_settings(ConsoleSettings, **values)


@dataclass
class Console:
    """A console app, its fakes and a client that keeps cookies like a browser."""

    app: FastAPI
    links: FakeLinksApi
    stats: FakeStatsApi
    client: httpx.AsyncClient

    async def csrf(self, path: str = "/console/sign-in") -> str:
        """Load a page and return the CSRF token of its forms."""
        page = await self.client.get(path)
        found = _CSRF.search(page.text)
        assert found is not None, page.text
        return found.group(1)

    async def sign_in(self, key: str = ALICE_KEY) -> httpx.Response:
        """Sign in through the form."""
        token = await self.csrf()
        return await self.client.post("/console/sign-in", data={"key": key, "csrf": token})

    async def post(self, path: str, data: dict[str, str]) -> httpx.Response:
        """Post a form the way the page would, with the session's CSRF token."""
        token = await self.csrf("/console/links/new")
        return await self.client.post(path, data={**data, "csrf": token})


ConsoleFactory = Callable[..., AbstractAsyncContextManager[Console]]


@asynccontextmanager
async def start_console(
    *, analytics: httpx.AsyncBaseTransport | None = None, **overrides: Any
) -> AsyncIterator[Console]:
    """Run a console over fresh fakes (or ``analytics`` instead); ``overrides`` are settings."""
    links = FakeLinksApi({ALICE_KEY: "alice", BOB_KEY: "bob"})
    stats = FakeStatsApi(links)
    app = create_app(
        settings(**overrides),
        links_transport=httpx.ASGITransport(links.app),
        links_internal_transport=httpx.ASGITransport(links.internal),
        analytics_transport=analytics or httpx.ASGITransport(stats.app),
    )
    # https: the session cookie is Secure, so a client keeps it only over https.
    async with app_client(app, base_url="https://console.test") as client:
        yield Console(app, links, stats, client)


@pytest.fixture
def make_console() -> ConsoleFactory:
    """Start another console (``async with make_console(**settings) as console``)."""
    return start_console


@pytest.fixture
async def console() -> AsyncIterator[Console]:
    """A console over fakes where alice and bob each have a key."""
    async with start_console() as running:
        yield running


@pytest.fixture
async def signed_in(console: Console) -> Console:
    """The console with alice signed in."""
    response = await console.sign_in()
    assert response.status_code == 303
    return console
