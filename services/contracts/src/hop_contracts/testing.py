"""Fakes of hop's services that speak these contracts, for other services' tests.

Usage::

    links = FakeLinks({"abc": link_body("abc", "https://example.com/")})
    client = httpx.AsyncClient(transport=httpx.ASGITransport(links), base_url="http://links")

    sink = ClickSink()          # analytics' click intake; ``sink.events`` holds what came

    python -m hop_contracts.testing links --port 8001 --links links.json   # as processes
    python -m hop_contracts.testing sink --port 8003

Each is a plain ASGI app, so it runs in-process (``httpx.ASGITransport``) or under uvicorn.
``tests/contracts`` drives the same clients against each fake and against the real service
and asserts the same answers, so a fake cannot drift from the service it stands in for.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qsl

from pydantic import ValidationError

from hop_contracts.clicks import MAX_BATCH_EVENTS
from hop_contracts.link_changes import MAX_LINK_CHANGES
from hop_contracts.resolve import ResolveRequest
from hop_contracts.routes import (
    CLICKS_PATH,
    LINK_CHANGES_PATH,
    LINK_IDS_PATH,
    LINKS_PREFIX,
    RESOLVE_BATCH_PATH,
    RESOLVE_PATH,
)

__all__ = ["ClickSink", "FakeLinks", "fake_link_id", "link_body", "link_change", "main"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

_RESOLVE: Final = RESOLVE_PATH.removesuffix("{code}")
_LINK: Final = LINKS_PREFIX + "/"


def link_body(
    code: str,
    url: str,
    *,
    redirect_status: int = 302,
    forward_query: bool = False,
    expires_at: str | None = None,
    disabled: bool = False,
    link_id: str | None = None,
) -> dict[str, Any]:
    """Return a resolve answer as links sends it (`hop_contracts.ResolvedLink`).

    Without ``link_id`` the link gets `fake_link_id` of its code: stable across calls, as
    links' ids are, and different for every code.
    """
    return {
        "id": link_id or fake_link_id(code),
        "code": code,
        "url": url,
        "redirect_status": redirect_status,
        "forward_query": forward_query,
        "expires_at": expires_at,
        "disabled": disabled,
    }


def link_change(seq: int, code: str, *, disabled: bool, at: str) -> dict[str, Any]:
    """Return one change of links' feed (`hop_contracts.LinkChange`) for ``code``'s link."""
    return {"seq": seq, "link_id": fake_link_id(code), "disabled": disabled, "at": at}


def fake_link_id(code: str) -> str:
    """Return the id `link_body` gives ``code`` by default (32 hex digits, like links' ids)."""
    return hashlib.blake2b(code.encode(), digest_size=16).hexdigest()


class FakeLinks:
    """links' resolve and ownership answers over dicts; ``down`` makes it answer 503.

    ``links`` maps a code to its resolve body, answered one code at a time or in batches
    (``batches`` lists the codes of each batch request); ``owners`` maps an ``Authorization`` header
    to the codes its owner has, ``code`` on the platform domain (``platform``) or
    ``domain/code`` on a branded one (``GET /api/v1/links/{code}?domain=``: 200 with the
    link's ``id`` and ``code``, 404 or 401; ``GET /api/v1/links:ids``: every owned link's
    ``id``, ``code`` and ``domain`` in the order of those keys, or 401). A branded link's id
    is `fake_link_id` of ``domain/code``.
    """

    def __init__(
        self,
        links: dict[str, dict[str, Any]] | None = None,
        *,
        owners: dict[str, set[str]] | None = None,
        platform: str = "hop.test",
    ) -> None:
        self.links = dict(links or {})
        self.owners = dict(owners or {})
        self.platform = platform
        self.changes: list[dict[str, Any]] = []
        self.calls: Counter[str] = Counter()
        self.batches: list[list[str]] = []
        self.down = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one ASGI request."""
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        path: str = scope["path"]
        if self.down:
            await _json(send, 503, {"detail": "links is down (fake)."})
        elif path == LINK_CHANGES_PATH:
            await self._changes(scope.get("query_string", b"").decode("latin-1"), send)
        elif path == LINK_IDS_PATH:
            await self._owned_ids(_header(scope, b"authorization"), send)
        elif path == RESOLVE_BATCH_PATH and scope["method"] == "POST":
            await self._resolve_many(await _body(receive), send)
        elif path.startswith(_RESOLVE):
            await self._resolve(path.removeprefix(_RESOLVE), send)
        elif path.startswith(_LINK):
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            domain = query.get("domain", "").lower().rstrip(".")
            key = path.removeprefix(_LINK)
            if domain and domain != self.platform:
                key = f"{domain}/{key}"
            await self._owned(key, _header(scope, b"authorization"), send)
        else:
            await _json(send, 404, {"detail": "Not Found"})

    async def _resolve(self, code: str, send: Send) -> None:
        self.calls[code] += 1
        if code in self.links:
            await _json(send, 200, self.links[code])
        else:
            await _json(send, 404, {"detail": f"No link with code {code!r} exists."})

    async def _resolve_many(self, raw: bytes, send: Send) -> None:
        try:
            codes = list(dict.fromkeys(ResolveRequest.model_validate_json(raw).codes))
        except ValidationError as err:
            await _json(send, 422, {"detail": err.errors(include_url=False, include_input=False)})
            return
        self.batches.append(codes)
        self.calls.update(codes)
        await _json(send, 200, {"links": {code: self.links.get(code) for code in codes}})

    async def _owned(self, code: str, authorization: str, send: Send) -> None:
        self.calls[code] += 1
        if authorization not in self.owners:
            await _json(send, 401, {"detail": "The API key is missing, unknown or revoked."})
        elif code not in self.owners[authorization]:
            await _json(send, 404, {"detail": f"No link with code {code!r} exists."})
        else:
            await _json(send, 200, {"id": self._id_of(code), "code": code.rpartition("/")[2]})

    async def _owned_ids(self, authorization: str, send: Send) -> None:
        self.calls[LINK_IDS_PATH] += 1
        if authorization not in self.owners:
            await _json(send, 401, {"detail": "The API key is missing, unknown or revoked."})
            return
        items = []
        for key in sorted(self.owners[authorization]):
            domain, _, code = key.rpartition("/")
            items.append({"id": self._id_of(key), "code": code, "domain": domain or self.platform})
        await _json(send, 200, {"items": items})

    async def _changes(self, query: str, send: Send) -> None:
        self.calls[LINK_CHANGES_PATH] += 1
        params = dict(parse_qsl(query))
        try:
            after, limit = int(params.get("after", "0")), int(params.get("limit", "100"))
        except ValueError:
            after, limit = -1, 0
        if after < 0 or not 1 <= limit <= MAX_LINK_CHANGES:
            await _json(send, 422, {"detail": "after must be >= 0 and limit 1 to 1000."})
            return
        items = [change for change in self.changes if change["seq"] > after][:limit]
        await _json(send, 200, {"items": items, "next_after": items[-1]["seq"] if items else after})

    def _id_of(self, code: str) -> str:
        return str(self.links.get(code, {}).get("id") or fake_link_id(code))


class ClickSink:
    """analytics' click intake: keeps each event once, counts every delivery.

    ``GET /events`` lists what it kept (for a sink running as a process).
    """

    def __init__(self) -> None:
        self.events: dict[str, dict[str, Any]] = {}
        self.received = 0
        self.batches = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one ASGI request."""
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["path"] == "/events":
            body = {"events": list(self.events.values()), "received": self.received}
            await _json(send, 200, body)
        elif scope["path"] == CLICKS_PATH and scope["method"] == "POST":
            await self._ingest(await _body(receive), send)
        else:
            await _json(send, 405 if scope["path"] == CLICKS_PATH else 404, {"detail": "no"})

    async def _ingest(self, raw: bytes, send: Send) -> None:
        try:
            events = json.loads(raw)["events"]
            ids = [str(event["id"]) for event in events]
        except (ValueError, KeyError, TypeError):
            await _json(send, 422, {"detail": "The body must be {'events': [{'id': ...}]}."})
            return
        if not 1 <= len(events) <= MAX_BATCH_EVENTS:
            await _json(send, 422, {"detail": "A batch holds 1 to 1,000 events."})
            return
        new = [(i, e) for i, e in zip(ids, events, strict=True) if i not in self.events]
        self.events.update(new)
        self.received += len(events)
        self.batches += 1
        answer = {"accepted": len(new), "duplicates": len(events) - len(new), "disabled": 0}
        await _json(send, 200, answer)


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return ""


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _json(send: Send, status: int, body: Any) -> None:
    data = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


def main(argv: list[str] | None = None) -> None:
    """Serve a fake on loopback: ``links`` (``--links`` JSON list of bodies) or ``sink``."""
    import uvicorn  # only the process mode needs a server

    parser = argparse.ArgumentParser(prog="python -m hop_contracts.testing")
    parser.add_argument("kind", choices=["links", "sink"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--links", type=Path, help="JSON list of resolve bodies")
    args = parser.parse_args(argv)
    app: FakeLinks | ClickSink = ClickSink()
    if args.kind == "links":
        bodies = json.loads(args.links.read_text()) if args.links else []
        app = FakeLinks({body["code"]: body for body in bodies})
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
