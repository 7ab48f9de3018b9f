"""The ``hop-console`` command: ``serve``.

Bad ``HOP_*`` settings print what is wrong and exit with status 2, without a traceback.
The console has no database, so there is no ``migrate``.
"""

from __future__ import annotations

import typer

from hop_console.settings import ConsoleSettings
from hop_instrumentation import load_settings_or_exit, serve

__all__ = ["cli", "main"]

cli = typer.Typer(help="hop's console.", no_args_is_help=True, add_completion=False)


@cli.callback()
def _root() -> None:
    """hop's console: web pages for link owners."""


@cli.command("serve")
def serve_command() -> None:
    """Serve the console (HOP_* variables configure it; HOP_WORKERS>1 runs gunicorn)."""
    serve("hop_console.app:app_from_environment", load_settings_or_exit(ConsoleSettings))


def main() -> None:
    """Run the CLI."""
    cli()
