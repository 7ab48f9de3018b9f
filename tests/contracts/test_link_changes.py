"""links' feed of disables and enables, read by analytics' follower from the real app and the fake.

analytics' `LinkFeedFollower` reads the real links app's feed and `FakeLinks`' (what
analytics' own tests use) holding the same changes; both must leave the same disabled
periods in analytics' database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from hop_analytics._disabled import LinkFeedStore
from hop_analytics.database import MIGRATIONS
from hop_analytics.link_feed import LinkFeedFollower
from hop_analytics.tables import disabled_periods
from hop_contracts import LINK_CHANGES_PATH
from hop_contracts.testing import FakeLinks
from hop_instrumentation.database import create_engine

from .conftest import RealLinks


async def _periods(client: httpx.AsyncClient, database: Path) -> tuple[int, list[Any]]:
    """Follow the feed behind ``client`` into a fresh analytics database; return its periods."""
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        await MIGRATIONS.upgrade(engine)
        follower = LinkFeedFollower(client, LinkFeedStore(engine), interval=60.0, page_size=2)
        applied = await follower.catch_up()
        table = disabled_periods
        query = select(table.c.link_id, table.c.enabled_at.is_(None)).order_by(table.c.link_id)
        async with engine.connect() as conn:
            return applied, [tuple(row) for row in await conn.execute(query)]
    finally:
        await engine.dispose()


async def test_follower_reads_the_real_feed_and_the_fake_alike(
    links: RealLinks, tmp_path: Path
) -> None:
    auth = links.auth(links.alice)
    ids = {}
    for code in ("first01", "second2"):
        made = await links.client.post(
            "/api/v1/links", json={"url": "https://example.com/", "code": code}, headers=auth
        )
        ids[code] = made.json()["id"]
    for code, disabled in (("first01", True), ("second2", True), ("first01", False)):
        changed = await links.client.patch(
            f"/api/v1/links/{code}", json={"disabled": disabled}, headers=auth
        )
        assert changed.status_code == 200, changed.text
    real = await _periods(links.client, tmp_path / "real.db")
    fake_links = FakeLinks()
    fake_links.changes = (await links.client.get(LINK_CHANGES_PATH)).json()["items"]
    transport = httpx.ASGITransport(fake_links)
    async with httpx.AsyncClient(transport=transport, base_url="http://links") as client:
        fake = await _periods(client, tmp_path / "fake.db")
    expected = sorted([(ids["first01"], False), (ids["second2"], True)])
    assert real == fake == (3, expected)


async def test_real_and_fake_feed_refuse_the_same_bad_queries(links: RealLinks) -> None:
    queries = ("after=-1", "limit=0", "limit=1001", "after=x", "after=0&limit=1000")
    transport = httpx.ASGITransport(FakeLinks())
    async with httpx.AsyncClient(transport=transport, base_url="http://links") as fake:
        answers = {
            query: (
                (await links.client.get(f"{LINK_CHANGES_PATH}?{query}")).status_code,
                (await fake.get(f"{LINK_CHANGES_PATH}?{query}")).status_code,
            )
            for query in queries
        }
    assert answers == dict.fromkeys(queries[:-1], (422, 422)) | {queries[-1]: (200, 200)}
