"""``hop-analytics``: serve the API, migrate the database, prune raw click events.

Every command reads the same ``HOP_*`` settings as the service (``HOP_DATABASE_URL``...),
so it works the same locally and inside the container (``kubectl exec``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncEngine

from hop_analytics.database import MIGRATIONS
from hop_analytics.errors import AnalyticsError
from hop_analytics.settings import AnalyticsSettings
from hop_analytics.store import ClickStore
from hop_instrumentation import load_settings_or_exit, serve
from hop_instrumentation.database import run_on_engine

__all__ = ["cli", "main"]

T = TypeVar("T")
cli = typer.Typer(help="hop analytics: click ingestion and per-link stats.", no_args_is_help=True)


def _run(settings: AnalyticsSettings, action: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    """Run ``action`` on an engine for the configured database; report domain errors."""
    try:
        return run_on_engine(settings, action)
    except AnalyticsError as err:
        typer.echo(f"error: {err.message}", err=True)
        raise typer.Exit(1) from None


@cli.command("serve")
def serve_command() -> None:
    """Serve the API and the management endpoints (settings from HOP_* variables)."""
    serve("hop_analytics.app:app_from_environment", load_settings_or_exit(AnalyticsSettings))


@cli.command("migrate")
def migrate_command(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Migrate the database (HOP_DATABASE_URL) to the latest schema."""
    settings = load_settings_or_exit(AnalyticsSettings)
    _run(settings, lambda engine: MIGRATIONS.upgrade(engine, revision))
    typer.echo(f"analytics database migrated to {revision}")


@cli.command("prune")
def prune_command(
    days: int | None = typer.Option(None, min=1, help="Keep this many days (HOP_RETENTION_DAYS)."),
) -> None:
    """Delete raw click events older than the retention (aggregates are kept)."""
    settings = load_settings_or_exit(AnalyticsSettings)
    kept = days or settings.retention_days
    pruned = _run(settings, lambda engine: ClickStore(engine).prune(timedelta(days=kept)))
    typer.echo(f"pruned {pruned} raw click events older than {kept} days")


def main() -> None:
    """Run the ``hop-analytics`` command line."""
    cli()
