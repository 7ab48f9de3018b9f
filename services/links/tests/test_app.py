from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from hop_instrumentation import SettingsError, load_settings
from hop_instrumentation.testing import (
    SpanCapture,
    app_client,
    make_test_settings,
    management_client,
)
from hop_links.app import app_from_environment, create_app
from hop_links.dependencies import services_of
from hop_links.settings import LinksSettings


async def test_readyz_database_check_passes(make_app: Any) -> None:
    app = make_app()
    async with app_client(app), management_client(app) as management:
        response = await management.get("/readyz", params={"verbose": ""})
    assert response.status_code == 200
    assert "[+]database ok" in response.text


async def test_readyz_fails_when_the_database_is_unreachable(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/missing/dir/links.db"
    app = create_app(
        make_test_settings(LinksSettings, database_url=url, health_check_interval=30.0)
    )
    async with app_client(app) as client, management_client(app) as management:
        readyz = await management.get("/readyz/database")
        listing = await client.get("/api/v1/links", headers={"Authorization": "Bearer hop_x"})
    assert readyz.status_code == 503
    assert readyz.text.startswith("[-]database failed: OperationalError")
    assert listing.status_code == 503
    assert listing.json() == {"detail": "The database is unavailable; retry later."}


async def test_run_migrations_prepares_an_empty_database(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/fresh.db"
    settings = make_test_settings(
        LinksSettings, database_url=url, run_migrations=True, health_check_interval=30.0
    )
    app = create_app(settings)
    async with app_client(app) as client:
        response = await client.get("/internal/v1/links/abc1234")
    assert response.status_code == 404


@pytest.mark.postgres
async def test_app_with_a_plain_postgresql_url_migrates_and_is_ready(
    empty_postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOP_DATABASE_URL", empty_postgres_url)
    monkeypatch.setenv("HOP_RUN_MIGRATIONS", "true")
    monkeypatch.setenv("HOP_HEALTH_CHECK_INTERVAL", "30")
    app = app_from_environment()
    async with app_client(app) as client, management_client(app) as management:
        response = await client.get("/internal/v1/links/abc1234")
        ready = await management.get("/readyz/database")
    assert response.status_code == 404
    assert (ready.status_code, ready.text) == (200, "ok\n")


async def test_sql_statements_are_traced(database_url: str) -> None:
    spans = SpanCapture()
    settings = make_test_settings(
        LinksSettings, database_url=database_url, health_check_interval=30.0
    )
    app = create_app(settings, span_processors=(spans.processor,))
    async with app_client(app) as client:
        await client.get("/internal/v1/links/abc1234")
    [server] = spans.named("GET /internal/v1/links/{code}")
    queries = [s for s in spans.spans if s.parent and s.parent.span_id == server.context.span_id]
    assert [s.name.split()[0] for s in queries] == ["SELECT"]


async def test_openapi_documents_models_errors_and_security(make_app: Any) -> None:
    app = make_app()
    async with app_client(app) as client:
        document = (await client.get("/openapi.json")).json()
    schemas = set(document["components"]["schemas"])
    assert {"Link", "LinkCreate", "LinkUpdate", "LinkPage", "BatchCreate", "BatchResult",
            "BatchItemResult", "ResolvedLink", "ResolveRequest", "ResolvedLinks", "OwnedLinks",
            "LinkChangePage", "ErrorMessage", "SessionRequest", "NewSession", "SessionList",
            "HTTPValidationError", "Domain", "DomainCreate", "DomainPage", "DomainDeleted",
            "VerifiedDomains"} <= schemas  # fmt: skip
    assert document["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"
    paths = document["paths"]
    assert set(paths) == {
        "/api/v1/links",
        "/api/v1/links:batch",
        "/api/v1/links:ids",
        "/api/v1/links/{code}",
        "/api/v1/domains",
        "/api/v1/domains/{name}",
        "/api/v1/domains/{name}:verify",
        "/.well-known/hop-challenge/{token}",
        "/internal/v1/links/{code}",
        "/internal/v1/domains:verified",
        "/internal/v1/links:resolve",
        "/internal/v1/link-changes",
        "/internal/v1/sessions",
        "/internal/v1/sessions/{session_id}",
    }
    for path, methods in paths.items():
        for method, operation in methods.items():
            expected = set() if path.startswith(("/internal", "/.well-known")) else {"401"}
            if "parameters" in operation or "requestBody" in operation:
                expected.add("422")  # only input can be invalid
            if "{code}" in path or "{name}" in path or "{token}" in path:
                expected.add("404")
            assert expected <= set(operation["responses"]), (method, path)
    create = paths["/api/v1/links"]["post"]
    assert set(create["responses"]) >= {"201", "401", "409", "422"}
    assert document["components"]["schemas"]["LinkCreate"]["examples"]


def test_settings_normalise_database_urls() -> None:
    cases = {
        "postgresql://u@db/hop": "postgresql+asyncpg://u@db/hop",
        "postgres://u@db/hop": "postgresql+asyncpg://u@db/hop",
        "sqlite:///hop.db": "sqlite+aiosqlite:///hop.db",
    }
    for given, expected in cases.items():
        assert LinksSettings(database_url=given).database_url == expected


@pytest.mark.parametrize(
    ("variable", "value"),
    [("HOP_DATABASE_URL", "mysql://db/hop"), ("HOP_PUBLIC_BASE_URL", "hop.example")],
)
def test_bad_settings_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=variable):
        load_settings(LinksSettings)


def test_settings_public_host_and_short_url() -> None:
    settings = LinksSettings(public_base_url="https://Hop.Example/")
    assert (settings.public_host, settings.short_url("abc")) == (
        "hop.example",
        "https://Hop.Example/abc",
    )


def test_services_of_an_app_not_built_by_create_app_names_the_factory() -> None:
    with pytest.raises(LookupError, match=r"not built by the create_app of hop_links"):
        services_of(FastAPI())
