"""analytics' click intake, real and faked (`ClickSink`), answers redirect's sender alike.

The events are made by redirect's own code (`hop_redirect.clicks.to_events`), so a change
to what redirect sends that analytics would refuse fails here.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from hop_contracts import CLICKS_PATH, ClickBatch
from hop_contracts.testing import ClickSink
from hop_redirect.clicks import RawClick, encode_events, to_events
from hop_redirect.errors import BatchRejectedError
from hop_redirect.senders import HttpClickSender

LINK_A = "5f0c6a3e9b2d4c1fa7e8d9c0b1a2f3e4"
LINK_B = "0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a"
RAW: list[RawClick] = [
    (LINK_A, "abc1234", time.time(), b"https://news.example/",
     b"Mozilla/5.0 (X11; Linux x86_64)", b"de", None),
    (LINK_A, "abc1234", time.time(), None, b"Googlebot/2.1 (+http://www.google.com/bot.html)",
     None, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
    (LINK_B, "x_y-z", time.time(), None, None, b"XX", None),
]  # fmt: skip


def _events() -> list[dict[str, Any]]:
    return to_events(RAW)


async def _post(client: httpx.AsyncClient, events: list[dict[str, Any]]) -> tuple[int, Any]:
    answer = await client.post(CLICKS_PATH, json={"events": events})
    return answer.status_code, answer.json() if answer.status_code == 200 else None


async def test_redirect_events_follow_the_contract() -> None:
    batch = ClickBatch.model_validate({"events": _events()})
    assert [event.is_bot for event in batch.events] == [False, True, False]
    assert [event.country for event in batch.events] == ["DE", None, None]
    assert [event.link_id for event in batch.events] == [raw[0] for raw in RAW]


async def test_real_analytics_and_the_sink_answer_batches_alike(
    analytics: httpx.AsyncClient,
) -> None:
    events = _events()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(ClickSink()), base_url="http://analytics"
    ) as sink:
        for client in (analytics, sink):
            assert await _post(client, events) == (
                200,
                {"accepted": 3, "duplicates": 0, "disabled": 0},
            )
            assert await _post(client, events[:2]) == (
                200,
                {"accepted": 0, "duplicates": 2, "disabled": 0},
            )
            assert (await _post(client, []))[0] == 422
            assert (await _post(client, events * 334))[0] == 422


async def test_redirect_sender_delivers_to_real_analytics_and_the_sink(
    analytics: httpx.AsyncClient,
) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(ClickSink()), base_url="http://analytics"
    ) as sink:
        for client in (analytics, sink):
            sender = HttpClickSender(client)
            await sender.send(encode_events(RAW))
            with pytest.raises(BatchRejectedError):
                await sender.send([])
