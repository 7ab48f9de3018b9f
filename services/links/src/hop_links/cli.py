"""``hop-links``: serve the API, migrate the database, manage owners, API keys and sessions.

Every command reads the same ``HOP_*`` settings as the service (``HOP_DATABASE_URL``...),
so it works the same locally and inside the container (``kubectl exec``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncEngine

from hop_instrumentation import load_settings_or_exit
from hop_instrumentation import serve as serve_app
from hop_instrumentation.database import run_on_engine
from hop_links.accounts import AccountStore
from hop_links.database import MIGRATIONS
from hop_links.errors import LinksError
from hop_links.records import ApiKey, SessionRecord
from hop_links.settings import LinksSettings

__all__ = ["cli", "main"]

T = TypeVar("T")
cli = typer.Typer(help="hop's links service.", no_args_is_help=True, add_completion=False)
owners_cli = typer.Typer(help="Create and list owners.", no_args_is_help=True)
keys_cli = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
cli.add_typer(owners_cli, name="owners")
sessions_cli = typer.Typer(help="List and end owners' console sessions.", no_args_is_help=True)
cli.add_typer(keys_cli, name="keys")
cli.add_typer(sessions_cli, name="sessions")


def _run(action: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    """Run ``action`` on an engine for the configured database; report domain errors."""
    settings = load_settings_or_exit(LinksSettings)
    try:
        return run_on_engine(settings, action)
    except LinksError as err:
        typer.echo(f"error: {err.message}", err=True)
        raise typer.Exit(1) from None


@cli.command()
def serve() -> None:
    """Serve the API and the management endpoints (HOP_HTTP_PORT, HOP_MANAGEMENT_PORT)."""
    serve_app("hop_links.app:app_from_environment", load_settings_or_exit(LinksSettings))


@cli.command()
def migrate() -> None:
    """Migrate the database (HOP_DATABASE_URL) to the newest schema."""

    async def run(engine: AsyncEngine) -> str | None:
        await MIGRATIONS.upgrade(engine)
        return await MIGRATIONS.current_revision(engine)

    typer.echo(f"database at revision {_run(run)}")


@owners_cli.command("create")
def create_owner(name: Annotated[str, typer.Argument(help="Unique owner name.")]) -> None:
    """Create an owner."""
    owner = _run(lambda engine: AccountStore(engine).create_owner(name))
    typer.echo(f"created owner {owner.name} (id {owner.id})")


@owners_cli.command("list")
def list_owners() -> None:
    """List every owner."""
    for owner in _run(lambda engine: AccountStore(engine).list_owners()):
        typer.echo(f"{owner.id}\t{owner.name}\t{owner.created_at.isoformat()}")


@keys_cli.command("create")
def create_key(owner: Annotated[str, typer.Argument(help="The owner's name.")]) -> None:
    """Create an API key for OWNER and print it: this is the only time it is shown."""
    new = _run(lambda engine: AccountStore(engine).create_key(owner))
    typer.echo(
        f"created key {new.key.id} ({new.key.prefix}...) for {owner}; store it now:", err=True
    )
    typer.echo(new.secret)


@keys_cli.command("revoke")
def revoke_key(
    key_id: Annotated[int, typer.Argument(help="The key's id (see keys list).")],
) -> None:
    """Revoke an API key and end its console sessions; requests with it answer 401 from now on."""
    key = _run(lambda engine: AccountStore(engine).revoke_key(key_id))
    typer.echo(f"revoked key {key.id} ({key.prefix}...)")


@keys_cli.command("list")
def list_keys(owner: Annotated[str, typer.Argument(help="The owner's name.")]) -> None:
    """List OWNER's keys: id, prefix, creation time and revocation time."""
    for key in _run(lambda engine: AccountStore(engine).list_keys(owner)):
        typer.echo(_key_line(key))


@sessions_cli.command("list")
def list_sessions(owner: Annotated[str, typer.Argument(help="The owner's name.")]) -> None:
    """List OWNER's live console sessions: id, key id, opened, expires, browser."""

    async def run(engine: AsyncEngine) -> list[SessionRecord]:
        accounts = AccountStore(engine)
        return await accounts.sessions.live((await accounts.get_owner(owner)).id)

    for session in _run(run):
        typer.echo(_session_line(session))


@sessions_cli.command("end")
def end_sessions(owner: Annotated[str, typer.Argument(help="The owner's name.")]) -> None:
    """End every console session of OWNER now (their API keys keep working)."""

    async def run(engine: AsyncEngine) -> int:
        accounts = AccountStore(engine)
        return await accounts.sessions.end_all((await accounts.get_owner(owner)).id)

    typer.echo(f"ended {_run(run)} session(s) of {owner}")


def _session_line(session: SessionRecord) -> str:
    opened, expires = session.created_at.isoformat(), session.expires_at.isoformat()
    return f"{session.id}\tkey {session.key_id}\t{opened}\t{expires}\t{session.label}"


def _key_line(key: ApiKey) -> str:
    revoked = key.revoked_at.isoformat() if key.revoked_at else "active"
    return f"{key.id}\t{key.prefix}...\t{key.created_at.isoformat()}\t{revoked}"


def main() -> None:
    """Run the ``hop-links`` command line."""
    cli()
