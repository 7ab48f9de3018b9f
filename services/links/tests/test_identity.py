"""A link's stable id: given at creation, kept by every read and change, never reused."""

from __future__ import annotations

import httpx

from hop_contracts import ResolvedLink

from .conftest import create_link


async def _create(client: httpx.AsyncClient, auth: dict[str, str], code: str) -> str:
    link_id: str = (await create_link(client, auth, code=code))["id"]
    return link_id


async def test_link_id_is_the_same_in_every_answer_about_the_link(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    link_id = await _create(client, auth, "stable1")
    patched = await client.patch(
        "/api/v1/links/stable1", json={"url": "https://example.com/new"}, headers=auth
    )
    fetched = await client.get("/api/v1/links/stable1", headers=auth)
    listed = await client.get("/api/v1/links", headers=auth)
    resolved = await client.get("/internal/v1/links/stable1")
    assert patched.json()["id"] == fetched.json()["id"] == link_id
    assert [item["id"] for item in listed.json()["items"]] == [link_id]
    assert ResolvedLink.model_validate_json(resolved.content).id == link_id


async def test_deleted_and_recreated_code_gets_an_id_never_seen_before(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    seen = {await _create(client, auth, "reused1")}
    for _ in range(3):
        assert (await client.delete("/api/v1/links/reused1", headers=auth)).status_code == 204
        seen.add(await _create(client, auth, "reused1"))
    resolved = await client.get("/internal/v1/links/reused1")
    assert len(seen) == 4
    assert resolved.json()["id"] in seen


async def test_batch_created_links_each_get_their_own_id(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    items = [{"url": f"https://example.com/{n}"} for n in range(50)]
    answer = await client.post("/api/v1/links:batch", json={"items": items}, headers=auth)
    ids = [result["link"]["id"] for result in answer.json()["results"]]
    assert len(set(ids)) == 50
    for result in answer.json()["results"][:3]:
        resolved = await client.get(f"/internal/v1/links/{result['link']['code']}")
        assert resolved.json()["id"] == result["link"]["id"]
