"""The ``hop-redirect`` command: ``serve``.

Bad ``HOP_*`` settings print what is wrong and exit with status 2, without a traceback.
redirect has no database, so there is no ``migrate``.
"""

from __future__ import annotations

import typer

from hop_instrumentation import load_settings_or_exit, serve
from hop_redirect.settings import RedirectSettings

__all__ = ["cli", "main"]

cli = typer.Typer(help="hop's redirect service.", no_args_is_help=True, add_completion=False)


@cli.callback()
def _root() -> None:
    """hop's redirect service: the hot path, its cache and the click pipeline."""


@cli.command("serve")
def serve_command() -> None:
    """Serve redirects (HOP_* variables configure it; HOP_WORKERS>1 runs gunicorn)."""
    serve("hop_redirect.app:app_from_environment", load_settings_or_exit(RedirectSettings))


def main() -> None:
    """Run the CLI."""
    cli()
