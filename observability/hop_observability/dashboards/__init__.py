"""hop's dashboards, one module each; `BOARDS` lists them in the order they are generated."""

from __future__ import annotations

from typing import Final

from hop_observability.board import Board
from hop_observability.dashboards import analytics, console, links, overview, redirect, slos

__all__ = ["BOARDS"]

BOARDS: Final[tuple[Board, ...]] = (
    overview.BOARD,
    redirect.BOARD,
    links.BOARD,
    analytics.BOARD,
    console.BOARD,
    slos.BOARD,
)
