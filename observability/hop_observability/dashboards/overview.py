"""`hop / Overview`: the golden signals of every service, saturation and the SLOs at a glance."""

from __future__ import annotations

from typing import Final

from hop_observability import metrics as m
from hop_observability import panels as p
from hop_observability.board import Board, Row
from hop_observability.slos import SLOS

BOARD: Final = Board(
    "hop / Overview",
    "hop-overview",
    "Request rate, errors and latency of every hop service, their saturation and the SLOs.",
    m.SERVICES,
    (
        Row("SLOs", tuple(p.budget_remaining(slo) for slo in SLOS)),
        Row("Traffic", (p.request_rate(), p.error_ratio(), p.latency())),
        Row(
            "Saturation",
            (
                p.active_requests(),
                p.loop_lag(),
                p.alerted(p.container_cpu(), "HopCpuThrottled", "HopHpaAtMax"),
                p.container_memory(),
                p.alerted(
                    p.gauge(
                        "Instances",
                        m.BUILD_INFO,
                        description="Processes answering scrapes, by service and version.",
                        unit="short",
                        by=("job", "version"),
                        aggregate="count",
                        thresholds=((None, "red"), (1, "green")),
                    ),
                    "HopTargetDown",
                    "HopRedirectDown",
                    "HopPodPending",
                ),
                p.alerted(p.container_restarts(), "HopPodRestarting", "HopPodCrashLooping"),
            ),
        ),
    ),
)
