"""``hop-analytics``: serve, migrate, prune."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import typer

from hop_analytics.database import MIGRATIONS
from hop_analytics.settings import AnalyticsSettings
from hop_analytics.store import ClickStore
from hop_instrumentation import load_settings, serve
from hop_instrumentation.database import create_engine

__all__ = ["main"]

cli = typer.Typer(help="hop analytics: click ingestion and per-link stats.", no_args_is_help=True)


@cli.command("serve")
def serve_command() -> None:
    """Serve the API and the management endpoints (settings from HOP_* variables)."""
    serve("hop_analytics.app:app_from_environment", load_settings(AnalyticsSettings))


@cli.command("migrate")
def migrate_command(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Migrate the database (HOP_DATABASE_URL) to the latest schema."""
    asyncio.run(_migrate(load_settings(AnalyticsSettings), revision))
    typer.echo(f"analytics database migrated to {revision}")


@cli.command("prune")
def prune_command(
    days: int | None = typer.Option(None, min=1, help="Keep this many days (HOP_RETENTION_DAYS)."),
) -> None:
    """Delete raw click events older than the retention (aggregates are kept)."""
    settings = load_settings(AnalyticsSettings)
    pruned = asyncio.run(_prune(settings, days or settings.retention_days))
    typer.echo(
        f"pruned {pruned} raw click events older than {days or settings.retention_days} days"
    )


async def _migrate(settings: AnalyticsSettings, revision: str) -> None:
    engine = create_engine(settings.database_url, pool=settings.database_pool)
    try:
        await MIGRATIONS.upgrade(engine, revision)
    finally:
        await engine.dispose()


async def _prune(settings: AnalyticsSettings, days: int) -> int:
    engine = create_engine(settings.database_url, pool=settings.database_pool)
    try:
        return await ClickStore(engine).prune(timedelta(days=days))
    finally:
        await engine.dispose()


def main() -> None:
    """Run the command line."""
    cli()


if __name__ == "__main__":
    main()
