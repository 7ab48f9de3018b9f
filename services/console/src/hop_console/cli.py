"""The ``hop-console`` command: ``serve``.

Bad ``HOP_*`` settings print what is wrong and exit with status 2, without a traceback.
The console has no database, so there is no ``migrate``.
"""

from __future__ import annotations

from hop_console.settings import ConsoleSettings
from hop_instrumentation.cli import service_cli

__all__ = ["cli", "main"]

cli = service_cli(
    ConsoleSettings,
    factory="hop_console.app:app_from_environment",
    description="hop's console: web pages for link owners.",
)


def main() -> None:
    """Run the CLI."""
    cli()
