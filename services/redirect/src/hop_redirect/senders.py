"""Where click batches go: analytics over HTTP, or a Redis stream. One `Protocol`, two senders."""

from __future__ import annotations

from typing import Final, Protocol

import httpx
from redis.asyncio import Redis
from redis.exceptions import RedisError

from hop_contracts import CLICKS_PATH
from hop_redirect.errors import BatchRejectedError, DeliveryFailedError

__all__ = ["ClickSender", "HttpClickSender", "RedisClickSender"]

_JSON: Final = {"content-type": "application/json"}


class ClickSender(Protocol):
    """Deliver a batch of click events (at least once; receivers dedupe on ``id``)."""

    async def send(self, events: list[bytes]) -> None:
        """Deliver ``events`` (JSON each) or raise `DeliveryFailedError` / `BatchRejectedError`."""
        ...

    async def ping(self) -> None:
        """Raise unless the receiver is reachable."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


class HttpClickSender:
    """POST batches to analytics' ``/internal/v1/clicks``."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def send(self, events: list[bytes]) -> None:
        """POST one batch; 2xx delivered, 4xx rejected, anything else failed."""
        body = b'{"events":[' + b",".join(events) + b"]}"
        try:
            response = await self._client.post(CLICKS_PATH, content=body, headers=_JSON)
        except httpx.HTTPError as err:
            raise DeliveryFailedError(f"analytics is unreachable: {type(err).__name__}.") from err
        status = response.status_code
        if 400 <= status < 500 and status not in (408, 429):
            raise BatchRejectedError(f"analytics rejected the batch ({status}): {response.text}")
        if status >= 300:
            raise DeliveryFailedError(f"analytics answered {status}.")

    async def ping(self) -> None:
        """Raise unless analytics answers HTTP (any status below 500)."""
        try:
            response = await self._client.get(CLICKS_PATH)
        except httpx.HTTPError as err:
            raise DeliveryFailedError(f"analytics is unreachable: {type(err).__name__}.") from err
        if response.status_code >= 500:
            raise DeliveryFailedError(f"analytics answered {response.status_code}.")

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()


class RedisClickSender:
    """XADD one stream entry per event (``event`` field, JSON), pipelined per batch."""

    def __init__(self, client: Redis, *, stream: str) -> None:
        self._client = client
        self._stream = stream

    async def send(self, events: list[bytes]) -> None:
        """Append every event of the batch to the stream in one round trip."""
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for event in events:
                    pipe.xadd(self._stream, {"event": event})
                await pipe.execute()
        except (RedisError, OSError) as err:
            raise DeliveryFailedError(f"Redis is unavailable: {type(err).__name__}.") from err

    async def ping(self) -> None:
        """Raise unless Redis answers."""
        await self._client.ping()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()
