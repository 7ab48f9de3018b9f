"""The ``hop-redirect`` command: ``serve``.

Bad ``HOP_*`` settings print what is wrong and exit with status 2, without a traceback.
redirect has no database, so there is no ``migrate``.
"""

from __future__ import annotations

from hop_instrumentation.cli import service_cli
from hop_redirect.settings import RedirectSettings

__all__ = ["cli", "main"]

cli = service_cli(
    RedirectSettings,
    factory="hop_redirect.app:app_from_environment",
    description="hop's redirect service: the hot path, its cache and the click pipeline.",
)


def main() -> None:
    """Run the CLI."""
    cli()
