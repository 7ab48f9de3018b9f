"""The feed of disables and enables analytics reads (``GET /internal/v1/link-changes``)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from hop_contracts import LINK_CHANGES_PATH, LinkChangePage

LINKS = "/api/v1/links"


async def _link(client: httpx.AsyncClient, auth: dict[str, str], code: str) -> str:
    body = {"url": "https://example.com/", "code": code}
    created = await client.post(LINKS, json=body, headers=auth)
    assert created.status_code == 201
    return str(created.json()["id"])


async def _set_disabled(
    client: httpx.AsyncClient, auth: dict[str, str], code: str, disabled: bool
) -> None:
    changed = await client.patch(f"{LINKS}/{code}", json={"disabled": disabled}, headers=auth)
    assert changed.status_code == 200


async def _page(client: httpx.AsyncClient, **params: int) -> LinkChangePage:
    response = await client.get(LINK_CHANGES_PATH, params=params)
    assert response.status_code == 200
    return LinkChangePage.model_validate_json(response.content)


async def test_link_changes_list_each_disable_and_enable_in_order(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    first, second = await _link(client, auth, "first01"), await _link(client, auth, "second2")
    before = datetime.now(UTC)
    await _set_disabled(client, auth, "first01", True)
    await _set_disabled(client, auth, "second2", True)
    await _set_disabled(client, auth, "first01", False)
    page = await _page(client)
    assert [(c.seq, c.link_id, c.disabled) for c in page.items] == [
        (1, first, True),
        (2, second, True),
        (3, first, False),
    ]
    assert page.next_after == 3
    assert all(before <= change.at <= datetime.now(UTC) for change in page.items)


async def test_link_changes_skip_updates_that_leave_the_flag_as_it_was(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await _link(client, auth, "same001")
    await _set_disabled(client, auth, "same001", False)  # enabled already
    retag = await client.patch(f"{LINKS}/same001", json={"tags": ["x"]}, headers=auth)
    assert retag.status_code == 200
    await _set_disabled(client, auth, "same001", True)
    await _set_disabled(client, auth, "same001", True)  # disabled already
    page = await _page(client)
    assert [change.disabled for change in page.items] == [True]


async def test_link_changes_page_by_after_and_limit(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await _link(client, auth, "paged01")
    for disabled in (True, False, True, False, True):
        await _set_disabled(client, auth, "paged01", disabled)
    first = await _page(client, limit=2)
    second = await _page(client, after=first.next_after, limit=2)
    third = await _page(client, after=second.next_after, limit=2)
    done = await _page(client, after=third.next_after, limit=2)
    assert [[c.seq for c in page.items] for page in (first, second, third, done)] == [
        [1, 2],
        [3, 4],
        [5],
        [],
    ]
    assert (third.next_after, done.next_after) == (5, 5)
    assert [c.disabled for c in (*first.items, *second.items, *third.items)] == [
        True,
        False,
        True,
        False,
        True,
    ]


async def test_link_changes_outlive_a_deleted_link(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    link_id = await _link(client, auth, "gone001")
    await _set_disabled(client, auth, "gone001", True)
    assert (await client.delete(f"{LINKS}/gone001", headers=auth)).status_code == 204
    page = await _page(client)
    assert [(c.link_id, c.disabled) for c in page.items] == [(link_id, True)]


@pytest.mark.parametrize(
    "query",
    [
        "after=-1",
        "after=x",
        "after=9223372036854775808",
        "limit=0",
        "limit=1001",
        "limit=ten",
    ],
)
async def test_link_changes_refuse_a_bad_after_or_limit_with_422(
    client: httpx.AsyncClient, query: str
) -> None:
    response = await client.get(f"{LINK_CHANGES_PATH}?{query}")
    assert response.status_code == 422
    name = query.partition("=")[0]
    assert [error["loc"] for error in response.json()["detail"]] == [["query", name]]


async def test_link_changes_record_the_flag_left_by_concurrent_updates_on_sqlite(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An enable that read the flag before a concurrent disable committed must not hide it."""
    import asyncio

    from hop_instrumentation.database import create_engine
    from hop_links.records import LinkChanges, LinkDraft
    from hop_links.resolver import EngineResolver
    from hop_links.store import LinkStore

    engine = create_engine(sqlite_url)
    store = LinkStore(engine, public_host="hop.example")
    owner = 1
    async with engine.begin() as conn:
        await conn.exec_driver_sql(
            "INSERT INTO owners (id, name, created_at) VALUES (1, 'race', '2026-01-01 00:00:00')"
        )
    await store.create(owner, LinkDraft(url="https://example.com/", code="race001"))
    original = LinkStore._locked_state
    slow: set[bool] = {False}  # the enable pauses after reading the flag

    async def locked_state(self: LinkStore, connection: object, *args: object) -> object:
        state = await original(self, connection, *args)  # type: ignore[arg-type]
        if args[-1] == "race001" and slow:
            slow.clear()
            await asyncio.sleep(0.3)
        return state

    monkeypatch.setattr(LinkStore, "_locked_state", locked_state)
    enable = asyncio.create_task(
        store.update(owner, "race001", LinkChanges(frozenset({"disabled"}), disabled=False))
    )
    await asyncio.sleep(0.05)
    disable = store.update(owner, "race001", LinkChanges(frozenset({"disabled"}), disabled=True))
    await asyncio.gather(enable, disable)
    final = (await EngineResolver(engine).resolve("race001")).disabled
    changes = await store.state_changes(after=0, limit=10)
    await engine.dispose()
    feed_says = changes[-1].disabled if changes else False
    assert feed_says == final
