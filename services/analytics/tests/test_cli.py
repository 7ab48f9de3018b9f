from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
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
    assert (migrated.exit_code, migrated.output) == (0, "database at revision 0004\n")
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
    assert (migrated.exit_code, migrated.output) == (0, "database at revision 0004\n")
    assert again.exit_code == 0


@pytest.mark.process
@pytest.mark.parametrize("command", ["serve", "migrate", "prune"])
def test_cli_bad_setting_exits_2_naming_the_variable_without_traceback(command: str) -> None:
    env = {**os.environ, "HOP_BATCH_SIZE": "0"}
    result = subprocess.run(
        [sys.executable, "-m", "hop_analytics", command],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("Invalid settings for AnalyticsSettings:\n  HOP_BATCH_SIZE: ")
    assert "Traceback" not in result.stderr
