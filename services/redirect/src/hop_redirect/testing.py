"""Fakes of redirect's neighbours, for tests and the benchmark (in-process or as processes).

Usage::

    links = FakeLinks({"abc": link_body("abc", "https://example.com/")})
    app = create_redirect_app(settings, links_transport=httpx.ASGITransport(links))

    python -m hop_redirect.testing sink --port 8003          # a clicks receiver
    python -m hop_redirect.testing links --port 8001 --links links.json

Both follow docs/contracts.md: `FakeLinks` serves ``GET /internal/v1/links/{code}``,
`ClickSink` serves ``POST /internal/v1/clicks`` (idempotent on ids) and lists what it
got at ``GET /events``. Ports, waits and processes come from `hop_instrumentation.testing`.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any, Final

import orjson
from starlette.types import Receive, Scope, Send

__all__ = ["ClickSink", "FakeLinks", "link_body", "main"]

_RESOLVE: Final = "/internal/v1/links/"
_CLICKS: Final = "/internal/v1/clicks"


def link_body(
    code: str,
    url: str,
    *,
    redirect_status: int = 302,
    forward_query: bool = False,
    expires_at: str | None = None,
    disabled: bool = False,
) -> dict[str, Any]:
    """Return a resolve answer as links sends it."""
    return {
        "code": code,
        "url": url,
        "redirect_status": redirect_status,
        "forward_query": forward_query,
        "expires_at": expires_at,
        "disabled": disabled,
    }


class FakeLinks:
    """links' internal resolve API over a dict; ``down`` makes it answer 503."""

    def __init__(self, links: dict[str, dict[str, Any]] | None = None) -> None:
        self.links = dict(links or {})
        self.calls: Counter[str] = Counter()
        self.down = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        path: str = scope["path"]
        if not path.startswith(_RESOLVE):
            await _json(send, 404, {"detail": "Not Found"})
            return
        code = path.removeprefix(_RESOLVE)
        self.calls[code] += 1
        if self.down:
            await _json(send, 503, {"detail": "links is down (fake)"})
        elif code in self.links:
            await _json(send, 200, self.links[code])
        else:
            await _json(send, 404, {"detail": f"No link with code {code!r}."})


class ClickSink:
    """A clicks receiver: keeps each event once, counts every delivery."""

    def __init__(self) -> None:
        self.events: dict[str, dict[str, Any]] = {}
        self.received = 0
        self.batches = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["path"] == "/events":
            body = {"events": list(self.events.values()), "received": self.received}
            await _json(send, 200, body)
        elif scope["path"] == _CLICKS and scope["method"] == "POST":
            await self._ingest(await _body(receive), send)
        else:
            await _json(send, 405 if scope["path"] == _CLICKS else 404, {"detail": "no"})

    async def _ingest(self, raw: bytes, send: Send) -> None:
        try:
            events = orjson.loads(raw)["events"]
            ids = [str(event["id"]) for event in events]
        except (ValueError, KeyError, TypeError):
            await _json(send, 422, {"detail": "body must be {'events': [{'id': ...}, ...]}"})
            return
        if not 1 <= len(events) <= 1000:
            await _json(send, 422, {"detail": "a batch holds 1 to 1,000 events"})
            return
        new = [(i, e) for i, e in zip(ids, events, strict=True) if i not in self.events]
        self.events.update(new)
        self.received += len(events)
        self.batches += 1
        await _json(send, 200, {"accepted": len(new), "duplicates": len(events) - len(new)})


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
    data = orjson.dumps(body)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


def main(argv: list[str] | None = None) -> None:
    """Serve a fake on loopback: ``links`` (``--links`` JSON file of bodies) or ``sink``."""
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m hop_redirect.testing")
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
