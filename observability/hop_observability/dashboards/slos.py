"""`hop / SLOs`: error budget left and burn rates of every SLO."""

from __future__ import annotations

from typing import Final

from hop_observability import metrics as m
from hop_observability import panels as p
from hop_observability.board import Board, Row
from hop_observability.slos import SLOS

BOARD: Final = Board(
    "hop / SLOs",
    "hop-slos",
    "Error budget left over 30 days and burn rates per window, as the alerts see them.",
    m.SERVICES,
    tuple(
        Row(
            slo.title, (p.budget_burndown(slo), p.burn_rates(slo), p.budget_remaining(slo, width=4))
        )
        for slo in SLOS
    ),
    scoped=False,
)
