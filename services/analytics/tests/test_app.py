from __future__ import annotations

import pytest

from hop_analytics.app import app_from_environment
from hop_analytics.database import SQLITE_CHECKPOINT_PAGES
from hop_analytics.dependencies import services_of
from hop_instrumentation.testing import app_client, management_client

from .conftest import AppFactory, event


@pytest.mark.postgres
async def test_app_with_a_plain_postgresql_url_migrates_and_ingests(
    empty_postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOP_DATABASE_URL", empty_postgres_url)
    monkeypatch.setenv("HOP_RUN_MIGRATIONS", "true")
    monkeypatch.setenv("HOP_HEALTH_CHECK_INTERVAL", "30")
    app = app_from_environment()
    async with app_client(app) as client, management_client(app) as management:
        ingested = await client.post("/internal/v1/clicks", json={"events": [event("a")]})
        ready = await management.get("/readyz/database")
    assert (ingested.status_code, ingested.json()) == (
        200,
        {"accepted": 1, "duplicates": 0, "disabled": 0},
    )
    assert (ready.status_code, ready.text) == (200, "ok\n")


async def test_readyz_database_check_passes(make_app: AppFactory) -> None:
    app = make_app()
    async with app_client(app), management_client(app) as management:
        response = await management.get("/readyz", params={"verbose": ""})
    assert response.status_code == 200
    assert "[+]database ok" in response.text


async def test_app_on_sqlite_checkpoints_its_log_after_the_longer_interval(
    make_app: AppFactory, database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL has no write-ahead log to checkpoint by pages")
    app = make_app()
    async with app_client(app), services_of(app).engine.connect() as conn:
        pages = (await conn.exec_driver_sql("PRAGMA wal_autocheckpoint")).scalar_one()
    assert pages == SQLITE_CHECKPOINT_PAGES == 10_000
