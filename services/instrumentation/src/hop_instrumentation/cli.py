"""A service's command line: ``serve`` always, ``migrate [REVISION]`` with a database.

Usage (a service's ``cli``)::

    cli = service_cli(
        LinksSettings,
        factory="hop_links.app:app_from_environment",
        description="hop's links service.",
        migrations=MIGRATIONS,
    )

    @cli.command("prune")
    def prune() -> None:
        pruned = run_command(LinksSettings, lambda engine: prune_links(engine), LinksError)

Every command reads the same ``HOP_*`` settings as the service, so it works the same
locally and inside the container (``kubectl exec``). Bad settings print what is wrong and
exit with status 2, without a traceback; a domain error exits 1 with its message.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, TypeVar, cast

import typer

from hop_instrumentation.serving import serve
from hop_instrumentation.settings import ServiceSettings, load_settings_or_exit

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from hop_instrumentation.database import DatabaseSettings, Migrations

__all__ = ["run_command", "service_cli"]

T = TypeVar("T")


def service_cli(
    settings: type[ServiceSettings],
    *,
    factory: str,
    description: str,
    migrations: Migrations | None = None,
) -> typer.Typer:
    """Return a command line with ``serve`` (and ``migrate`` given ``migrations``)."""
    cli = typer.Typer(help=description, no_args_is_help=True, add_completion=False)
    cli.callback()(_root)  # `serve` stays a subcommand even where it is the only one

    @cli.command("serve")
    def serve_command() -> None:
        """Serve the API, the internal and the management ports (HOP_* variables).

        HOP_WORKERS>1 runs gunicorn with that many uvicorn workers.
        """
        serve(factory, load_settings_or_exit(settings))

    if migrations is not None:
        _add_migrate(cli, settings, migrations)
    return cli


def run_command(
    settings: type[ServiceSettings],
    action: Callable[[AsyncEngine], Awaitable[T]],
    errors: type[Exception] | tuple[type[Exception], ...],
) -> T:
    """Run ``action`` on an engine for the configured database; exit 1 on ``errors``."""
    from hop_instrumentation.database import run_on_engine

    loaded = cast("DatabaseSettings", load_settings_or_exit(settings))
    try:
        return run_on_engine(loaded, action)
    except errors as err:
        typer.echo(f"error: {getattr(err, 'message', err)}", err=True)
        raise typer.Exit(1) from None


def _add_migrate(cli: typer.Typer, settings: type[ServiceSettings], migrations: Migrations) -> None:
    @cli.command("migrate")
    def migrate_command(
        revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
    ) -> None:
        """Migrate the database (HOP_DATABASE_URL) to REVISION, the newest by default."""

        async def run(engine: AsyncEngine) -> str | None:
            await migrations.upgrade(engine, revision)
            return await migrations.current_revision(engine)

        typer.echo(f"database at revision {run_command(settings, run, ())}")


def _root() -> None:
    """Run one of the service's commands."""
