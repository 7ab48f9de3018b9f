from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hop_analytics.cli import cli


def test_cli_migrate_then_prune_on_empty_database_reports_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "analytics.db"
    monkeypatch.setenv("HOP_DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    runner = CliRunner()
    migrated = runner.invoke(cli, ["migrate"])
    pruned = runner.invoke(cli, ["prune", "--days", "3"])
    assert (migrated.exit_code, migrated.output) == (0, "analytics database migrated to head\n")
    assert (pruned.exit_code, pruned.output) == (0, "pruned 0 raw click events older than 3 days\n")
    with sqlite3.connect(database) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert {"click_events", "daily_clicks", "daily_breakdown"} <= tables


@pytest.mark.postgres
def test_cli_migrate_with_a_plain_postgresql_url_prepares_the_database(
    empty_postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOP_DATABASE_URL", empty_postgres_url)
    migrated = CliRunner().invoke(cli, ["migrate"])
    again = CliRunner().invoke(cli, ["migrate"])
    assert (migrated.exit_code, migrated.output) == (0, "analytics database migrated to head\n")
    assert again.exit_code == 0
