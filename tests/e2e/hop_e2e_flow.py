"""The user's flow through the edge, shared by the http and redis tests: create, follow, count."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Final

import httpx
from hop_e2e_stack import RunningStack
from prometheus_client.parser import text_string_to_metric_families

from hop_instrumentation.testing import eventually

#: analytics' counters of events it is done with: stored, already known, or dropped as
#: clicks of a disabled link.
#: analytics' counters of the click events it is done with: stored, already stored, or inside
#: a disabled period (a deleted link's or domain's clicks served from a cache land there).
SETTLED_COUNTERS: Final = (
    "hop_analytics_events_ingested",
    "hop_analytics_events_duplicates",
    "hop_analytics_events_disabled",
)

__all__ = [
    "BROWSER",
    "CRAWLER",
    "SETTLED_COUNTERS",
    "Clicks",
    "assert_counted_exactly",
    "assert_disabled_link_stops_counting",
    "click",
    "create_link",
    "settled_events",
    "stats",
    "wait_for_stats",
]

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CRAWLER = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


@dataclass(frozen=True, slots=True)
class Clicks:
    """How many clicks a flow made, by kind."""

    humans: int
    bots: int


def create_link(hop: RunningStack, url: str | None = None) -> dict[str, Any]:
    """Create a link through the edge with the dev key; return its JSON."""
    target = url or f"https://example.com/{uuid.uuid4().hex}"
    with hop.client() as client:
        answer = client.post("/api/v1/links", json={"url": target}, headers=hop.auth)
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    assert body["url"] == target
    assert body["short_url"] == f"{hop.edge}/{body['code']}"
    return body


def click(hop: RunningStack, code: str, clicks: Clicks) -> None:
    """Follow ``code`` through the edge: ``humans`` times as a browser, ``bots`` as a crawler."""
    agents = [BROWSER] * clicks.humans + [CRAWLER] * clicks.bots
    with hop.client() as client:
        for agent in agents:
            answer = client.get(f"/{code}", headers={"User-Agent": agent})
            assert answer.status_code == 302, answer.text


def stats(hop: RunningStack, code: str, *, include_bots: bool = False) -> dict[str, Any]:
    """Read a link's stats through the edge."""
    params = {"include_bots": "true"} if include_bots else {}
    with hop.client() as client:
        answer = client.get(f"/api/v1/stats/{code}", headers=hop.auth, params=params)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def wait_for_stats(hop: RunningStack, code: str, clicks: Clicks) -> dict[str, Any]:
    """Poll the stats until the pipeline delivered every click; return them (bots excluded)."""
    return eventually(
        lambda: stats(hop, code),
        lambda body: body["total_clicks"] >= clicks.humans and body["bot_clicks"] >= clicks.bots,
        # A bound, not a speed: after a restart the clicks come from redirect's spool, and a
        # loaded CI machine has taken more than 30 s to start the stack and drain it.
        timeout=90.0,
    )


def assert_counted_exactly(hop: RunningStack, code: str, clicks: Clicks) -> None:
    """Assert the stats count exactly ``clicks``: bots apart, then in the top lists."""
    human_only = wait_for_stats(hop, code, clicks)
    assert (human_only["total_clicks"], human_only["bot_clicks"]) == (clicks.humans, clicks.bots)
    assert sum(day["clicks"] for day in human_only["daily"]) == clicks.humans
    assert human_only["top"]["devices"] == [{"value": "desktop", "clicks": clicks.humans}]
    with_bots = stats(hop, code, include_bots=True)
    assert (with_bots["total_clicks"], with_bots["bot_clicks"]) == (clicks.humans, clicks.bots)
    assert with_bots["include_bots"] is True
    assert sorted(with_bots["top"]["devices"], key=lambda r: r["value"]) == [
        {"value": "bot", "clicks": clicks.bots},
        {"value": "desktop", "clicks": clicks.humans},
    ]


def settled_events(hop: RunningStack) -> float:
    """Return how many click events analytics is done with (its own counters)."""
    metrics = httpx.get(hop.stack.management_url("analytics") + "/metrics", timeout=10).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(metrics)
        if family.name in SETTLED_COUNTERS
        for sample in family.samples
        if sample.name.endswith("_total")
    )


def assert_disabled_link_stops_counting(hop: RunningStack) -> None:
    """Click, disable, click again from redirect's cache: only the first clicks count."""
    code = create_link(hop)["code"]
    settled = settled_events(hop)
    counted, cached = Clicks(humans=3, bots=1), Clicks(humans=2, bots=1)
    click(hop, code, counted)
    with hop.client() as client:
        answer = client.patch(f"/api/v1/links/{code}", json={"disabled": True}, headers=hop.auth)
    assert answer.status_code == 200, answer.text
    click(hop, code, cached)  # 302s: redirect serves the link from its cache (HOP_CACHE_TTL)
    total = counted.humans + counted.bots + cached.humans + cached.bots
    eventually(lambda: settled_events(hop), lambda done: done >= settled + total, timeout=90.0)
    # The cached clicks were dropped at intake, or removed once analytics read links' feed.
    eventually(
        lambda: stats(hop, code, include_bots=True),
        lambda body: (body["total_clicks"], body["bot_clicks"]) == (3, 1),
        timeout=30.0,
    )
    assert_counted_exactly(hop, code, counted)
