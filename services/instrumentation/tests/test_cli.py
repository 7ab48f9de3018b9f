"""`service_cli`: every service's ``serve``, and ``migrate`` where it has a database."""

from __future__ import annotations

import pytest
import typer
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from hop_instrumentation.cli import run_command, service_cli
from hop_instrumentation.database import DatabaseSettings
from hop_instrumentation.settings import ServiceSettings


class _Settings(ServiceSettings):
    service_name: str = "sample"


class _DatabaseSettings(DatabaseSettings):
    service_name: str = "sample"


class _SampleError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def test_service_cli_without_migrations_offers_serve_alone() -> None:
    cli = service_cli(_Settings, factory="sample:app", description="The sample service.")
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "The sample service." in result.stdout
    assert "serve" in result.stdout
    assert "migrate" not in result.stdout


def test_service_cli_serve_with_a_bad_setting_exits_2_naming_the_variable() -> None:
    cli = service_cli(_Settings, factory="sample:app", description="The sample service.")
    result = CliRunner().invoke(cli, ["serve"], env={"HOP_HTTP_PORT": "nope"})
    assert result.exit_code == 2
    assert "HOP_HTTP_PORT" in result.stderr


def test_run_command_reports_a_domain_error_and_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def fail(engine: AsyncEngine) -> None:
        raise _SampleError("No owner is called 'erin'; create it first.")

    monkeypatch.setenv("HOP_DATABASE_URL", "sqlite+aiosqlite://")
    with pytest.raises(typer.Exit) as exited:
        run_command(_DatabaseSettings, fail, _SampleError)
    assert exited.value.exit_code == 1
    assert capsys.readouterr().err == "error: No owner is called 'erin'; create it first.\n"
