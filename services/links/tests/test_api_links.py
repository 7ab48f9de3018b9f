from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI

from hop_links.dependencies import services_of
from hop_links.direct import DirectPostgres, is_postgres
from hop_links.errors import AliasTakenError
from hop_links.records import LinkDraft
from hop_links.store import LinkStore

from .conftest import create_link


async def test_get_own_link_answers_the_link(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    created = await create_link(client, auth, code="mine")
    response = await client.get("/api/v1/links/mine", headers=auth)
    assert (response.status_code, response.json()) == (200, created)


async def test_get_unknown_code_answers_404(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    response = await client.get("/api/v1/links/nope123", headers=auth)
    assert response.status_code == 404
    assert response.json() == {"detail": "No link with code 'nope123' exists for this API key."}


async def test_get_junk_code_answers_404(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    response = await client.get("/api/v1/links/%00%FF%20x", headers=auth)
    assert response.status_code == 404


async def test_other_owners_code_answers_404_on_every_route(
    client: httpx.AsyncClient, auth: dict[str, str], make_key: Any
) -> None:
    await create_link(client, auth, code="theirs")
    other = {"Authorization": f"Bearer {await make_key()}"}
    expected = {"detail": "No link with code 'theirs' exists for this API key."}
    for method in ("GET", "PATCH", "DELETE"):
        body = {"disabled": True} if method == "PATCH" else None
        response = await client.request(method, "/api/v1/links/theirs", json=body, headers=other)
        assert (response.status_code, response.json()) == (404, expected)
    listing = await client.get("/api/v1/links", headers=other)
    assert listing.json() == {"items": [], "next_cursor": None}
    assert (await client.get("/api/v1/links/theirs", headers=auth)).status_code == 200


async def test_another_key_of_the_same_owner_sees_the_link(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str], make_key: Any
) -> None:
    await create_link(client, auth, code="shared")
    caller = await services_of(app).accounts.authenticate(auth["Authorization"][7:])
    [owner] = [o for o in await services_of(app).accounts.list_owners() if o.id == caller.owner_id]
    second = {"Authorization": f"Bearer {await make_key(owner.name)}"}
    assert (await client.get("/api/v1/links/shared", headers=second)).status_code == 200


async def test_patch_changes_every_field(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    created = await create_link(
        client, auth, code="change-me", tags=["old"], expires_at="2031-01-01T00:00:00Z"
    )
    changes = {
        "url": "https://example.org/new",
        "redirect_status": 301,
        "forward_query": True,
        "expires_at": "2032-06-01T12:00:00+00:00",
        "tags": ["b", "a"],
        "disabled": True,
    }
    response = await client.patch("/api/v1/links/change-me", json=changes, headers=auth)
    assert response.status_code == 200
    body = response.json()
    assert body["updated_at"] >= created["updated_at"]
    expected = {**created, **changes, "expires_at": "2032-06-01T12:00:00Z", "tags": ["a", "b"]}
    expected["updated_at"] = body["updated_at"]
    assert body == expected
    assert (await client.get("/api/v1/links/change-me", headers=auth)).json() == body


async def test_patch_null_expiry_removes_it_and_absent_fields_stay(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await create_link(
        client, auth, code="expiring", tags=["keep"], expires_at="2031-01-01T00:00:00Z"
    )
    response = await client.patch(
        "/api/v1/links/expiring", json={"expires_at": None, "url": None}, headers=auth
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["expires_at"], body["tags"], body["url"]) == (
        None,
        ["keep"],
        "https://example.com/",
    )


async def test_patch_invalid_change_answers_422_and_changes_nothing(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    created = await create_link(client, auth, code="stable")
    for changes, field in [
        ({"url": "https://hop.test/loop"}, "url"),
        ({"expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
        ({"redirect_status": 200}, "redirect_status"),
        ({"tags": ["no spaces"]}, "tags"),
        ({"code": "renamed"}, "code"),
    ]:
        response = await client.patch("/api/v1/links/stable", json=changes, headers=auth)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"][:2] == ["body", field]
    assert (await client.get("/api/v1/links/stable", headers=auth)).json() == created


async def test_delete_answers_204_and_the_code_is_gone(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await create_link(client, auth, code="doomed", tags=["t"])
    response = await client.delete("/api/v1/links/doomed", headers=auth)
    assert (response.status_code, response.content) == (204, b"")
    assert (await client.get("/api/v1/links/doomed", headers=auth)).status_code == 404
    assert (await client.delete("/api/v1/links/doomed", headers=auth)).status_code == 404
    assert (await client.get("/api/v1/links?tag=t", headers=auth)).json()["items"] == []


async def test_list_pages_newest_first_until_the_last(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    codes = [(await create_link(client, auth, code=f"page-{i}"))["code"] for i in range(5)]
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        response = await client.get("/api/v1/links", params=params, headers=auth)
        assert response.status_code == 200
        body = response.json()
        seen += [item["code"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert (seen, pages) == (codes[::-1], 3)


async def test_list_filters_by_tag(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    await create_link(client, auth, code="tagged-1", tags=["spring", "x"])
    await create_link(client, auth, code="untagged")
    await create_link(client, auth, code="tagged-2", tags=["spring"])
    response = await client.get("/api/v1/links", params={"tag": "spring"}, headers=auth)
    assert [item["code"] for item in response.json()["items"]] == ["tagged-2", "tagged-1"]
    empty = await client.get("/api/v1/links", params={"tag": "autumn"}, headers=auth)
    assert empty.json() == {"items": [], "next_cursor": None}


async def test_list_bad_parameters_answer_422(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    for params, field in [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "bDE6MA"}, "cursor"),  # "l1:0"
        ({"cursor": "bDE6" + "OTk5" * 10}, "cursor"),
        ({"cursor": "é"}, "cursor"),
        ({"tag": "bad tag"}, "tag"),
    ]:
        response = await client.get("/api/v1/links", params=params, headers=auth)
        assert response.status_code == 422, params
        assert response.json()["detail"][0]["loc"] == ["query", field]


async def test_store_create_retries_a_generated_code_that_is_taken(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await create_link(client, auth, code="Collide")
    caller = await services_of(app).accounts.authenticate(auth["Authorization"][7:])
    codes = iter(["Collide", "Collide", "Free123"])
    store = LinkStore(services_of(app).engine, public_host="hop.test", generate=lambda: next(codes))
    record = await store.create(caller.owner_id, LinkDraft(url="https://example.com/"))
    assert record.code == "Free123"


async def test_link_ids_list_only_the_owners_current_links_oldest_first(
    client: httpx.AsyncClient, auth: dict[str, str], make_key: Any
) -> None:
    first = await create_link(client, auth, code="first")
    second = await create_link(client, auth, code="second")
    await create_link(client, auth, code="gone")
    assert (await client.delete("/api/v1/links/gone", headers=auth)).status_code == 204
    other = {"Authorization": f"Bearer {await make_key()}"}
    theirs = await create_link(client, other, code="gone")  # the freed code, another owner's now
    mine = await client.get("/api/v1/links:ids", headers=auth)
    their_ids = await client.get("/api/v1/links:ids", headers=other)
    assert (mine.status_code, mine.json()) == (
        200,
        {
            "items": [
                {"id": first["id"], "code": "first", "domain": "hop.test"},
                {"id": second["id"], "code": "second", "domain": "hop.test"},
            ]
        },
    )
    assert their_ids.json() == {
        "items": [{"id": theirs["id"], "code": "gone", "domain": "hop.test"}]
    }


async def test_link_ids_without_a_key_answer_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/links:ids")
    assert response.status_code == 401


async def test_store_batch_retries_generated_codes_that_are_taken_and_refuses_taken_aliases(
    app: FastAPI, client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    await create_link(client, auth, code="Taken12")
    await create_link(client, auth, code="Collide")
    services = services_of(app)
    caller = await services.accounts.authenticate(auth["Authorization"][7:])
    direct = DirectPostgres(services.engine) if is_postgres(services.engine) else None
    codes = iter(["Taken12", "Taken12", "Free123", "Free456"])
    store = LinkStore(
        services.engine, public_host="hop.test", direct=direct, generate=lambda: next(codes)
    )
    drafts = [
        LinkDraft(url="https://example.com/1"),
        LinkDraft(url="https://example.com/2"),
        LinkDraft(url="https://example.com/3", code="Collide"),
        LinkDraft(
            url="https://example.com/4",
            code="mine-1",
            redirect_status=307,
            forward_query=True,
            expires_at=datetime(2040, 1, 1, tzinfo=UTC),
            tags=["b", "a"],
        ),
    ]
    outcomes = await store.create_many(caller.owner_id, drafts)
    assert [(o.index, o.link.code if o.link else None) for o in outcomes] == [
        (0, "Free456"),
        (1, "Free123"),
        (2, None),
        (3, "mine-1"),
    ]
    assert isinstance(outcomes[2].error, AliasTakenError)
    for code, url, tags in [
        ("Free456", "/1", []),
        ("Free123", "/2", []),
        ("mine-1", "/4", ["a", "b"]),
    ]:
        stored = (await client.get(f"/api/v1/links/{code}", headers=auth)).json()
        assert (stored["url"], stored["tags"]) == (f"https://example.com{url}", tags)
    mine = (await client.get("/api/v1/links/mine-1", headers=auth)).json()
    assert (mine["redirect_status"], mine["forward_query"], mine["expires_at"]) == (
        307,
        True,
        "2040-01-01T00:00:00Z",
    )
