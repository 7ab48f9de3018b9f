"""``hop-analytics``: serve the API, migrate the database, prune raw click events.

Every command reads the same ``HOP_*`` settings as the service (``HOP_DATABASE_URL``...),
so it works the same locally and inside the container (``kubectl exec``).
"""

from __future__ import annotations

from datetime import timedelta

import typer

from hop_analytics.database import MIGRATIONS
from hop_analytics.errors import AnalyticsError
from hop_analytics.settings import AnalyticsSettings
from hop_analytics.store import ClickStore
from hop_instrumentation import load_settings_or_exit
from hop_instrumentation.cli import run_command, service_cli

__all__ = ["cli", "main"]

cli = service_cli(
    AnalyticsSettings,
    factory="hop_analytics.app:app_from_environment",
    description="hop analytics: click ingestion and per-link stats.",
    migrations=MIGRATIONS,
)


@cli.command("prune")
def prune_command(
    days: int | None = typer.Option(None, min=1, help="Keep this many days (HOP_RETENTION_DAYS)."),
) -> None:
    """Delete raw click events older than the retention (aggregates are kept)."""
    kept = days or load_settings_or_exit(AnalyticsSettings).retention_days
    pruned = run_command(
        AnalyticsSettings,
        lambda engine: ClickStore(engine).prune(timedelta(days=kept)),
        AnalyticsError,
    )
    typer.echo(f"pruned {pruned} raw click events older than {kept} days")


def main() -> None:
    """Run the ``hop-analytics`` command line."""
    cli()
