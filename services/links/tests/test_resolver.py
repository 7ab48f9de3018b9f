"""The resolve front on its own asyncpg pool (HOP_RESOLVE_POOL_SIZE), on PostgreSQL."""

from __future__ import annotations

import pytest

from hop_instrumentation import get_instrumentation
from hop_instrumentation.testing import app_client, metric_value
from hop_links.dependencies import services_of
from hop_links.resolver import EngineResolver

from .conftest import bearer, build_app, create_link, drop_other_connections, new_key, resolved_body

pytestmark = pytest.mark.postgres


async def test_resolver_answers_the_contract_shape_and_404_for_unknown_codes(
    postgres_url: str,
) -> None:
    app = build_app(postgres_url, resolve_pool_size=2)
    assert services_of(app).resolver is not None
    async with app_client(app) as client:
        auth = bearer(await new_key(app))
        created = await create_link(
            client,
            auth,
            url="https://example.com/p",
            code="pool01",
            expires_at="2030-01-01T00:00:00Z",
        )
        found = await client.get("/internal/v1/links/pool01")
        unknown = [(await client.get(f"/internal/v1/links/{code}")).status_code
                   for code in ("none0001", "%00", "x" * 300)]  # fmt: skip
    expected = resolved_body(
        created["id"], "pool01", "https://example.com/p", expires_at="2030-01-01T00:00:00Z"
    )
    assert (found.status_code, found.json()) == (200, expected)
    assert unknown == [404, 404, 404]
    registry = get_instrumentation(app).metrics.registry
    assert metric_value(registry, "hop_links_resolves_total", {"result": "hit"}) == 1
    assert metric_value(registry, "hop_links_resolves_total", {"result": "miss"}) == 3


async def test_resolver_answers_a_batch_with_one_entry_per_code(postgres_url: str) -> None:
    app = build_app(postgres_url, resolve_pool_size=2)
    async with app_client(app) as client:
        auth = bearer(await new_key(app))
        created = await create_link(
            client, auth, url="https://example.com/q", code="pool02", forward_query=True
        )
        response = await client.post(
            "/internal/v1/links:resolve", json={"codes": ["none0002", "pool02"]}
        )
    assert (response.status_code, response.json()) == (
        200,
        {
            "links": {
                "none0002": None,
                "pool02": resolved_body(
                    created["id"], "pool02", "https://example.com/q", forward_query=True
                ),
            }
        },
    )
    registry = get_instrumentation(app).metrics.registry
    assert metric_value(registry, "hop_links_resolves_total", {"result": "hit"}) == 1
    assert metric_value(registry, "hop_links_resolves_total", {"result": "miss"}) == 1


async def test_resolver_pool_of_0_resolves_on_the_engine_pool(postgres_url: str) -> None:
    assert isinstance(services_of(build_app(postgres_url)).resolver, EngineResolver)


async def test_resolver_recovers_after_postgres_drops_its_connections(postgres_url: str) -> None:
    app = build_app(postgres_url, resolve_pool_size=2)
    async with app_client(app) as client:
        auth = bearer(await new_key(app))
        await create_link(client, auth, code="drop02")
        assert (await client.get("/internal/v1/links/drop02")).status_code == 200
        # The app's own pool and the resolve pool each hold at least one connection.
        assert await drop_other_connections(postgres_url) >= 2
        answers = [(await client.get("/internal/v1/links/drop02")).status_code for _ in range(10)]
    # asyncpg's pool sees an idle connection's end and reconnects: a 503 at most, never a 500.
    assert set(answers) <= {200, 503}
    assert answers[-1] == 200


async def test_resolver_answers_503_while_postgres_is_unreachable() -> None:
    app = build_app(
        "postgresql://postgres@127.0.0.1:9/test", resolve_pool_size=2, database_pool_timeout=1.0
    )
    async with app_client(app) as client:
        response = await client.get("/internal/v1/links/abc1234")
        batch = await client.post("/internal/v1/links:resolve", json={"codes": ["abc1234"]})
    assert (response.status_code, response.json()) == (
        503,
        {"detail": "The database is unavailable; retry later."},
    )
    assert (batch.status_code, batch.json()) == (
        503,
        {"detail": "The database is unavailable; retry later."},
    )
