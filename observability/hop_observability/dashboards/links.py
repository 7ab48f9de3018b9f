"""`hop / links`: link creation, resolves for redirect and authentication."""

from __future__ import annotations

from typing import Final

from hop_observability import metrics as m
from hop_observability import panels as p
from hop_observability.board import Board, Row

BOARD: Final = Board(
    "hop / links",
    "hop-links",
    "The links service: its API, the resolves redirect asks for, refused keys, rate limits"
    " and its database's latency.",
    ("links",),
    (
        Row(
            "Answers",
            (p.request_rate(by=("http_route",)), p.error_ratio(), p.latency(by=("http_route",))),
        ),
        Row(
            "Links",
            (
                p.counter_rate(
                    "Links created",
                    m.LINKS_CREATED,
                    by=("route",),
                    description="Links created per second, single or batch route.",
                ),
                p.counter_rate(
                    "Creations refused",
                    m.LINKS_CREATE_FAILURES,
                    by=("reason",),
                    description="Creations refused: invalid target or code, code taken.",
                ),
                p.counter_rate(
                    "Resolves",
                    m.LINKS_RESOLVES,
                    by=("result",),
                    unit="reqps",
                    description="Resolves redirect asked for: hit (found) or miss (unknown).",
                ),
                p.counter_rate(
                    "Auth failures",
                    m.LINKS_AUTH_FAILURES,
                    unit="reqps",
                    description="Requests refused for a missing, unknown or revoked API key.",
                    thresholds=((None, "green"), (1, "orange"), (10, "red")),
                ),
                p.counter_rate(
                    "Domain checks",
                    m.LINKS_DOMAIN_CHECKS,
                    by=("result",),
                    description="Branded domains' ownership checks (on request and periodic): "
                    "proved by the TXT record or the HTTP token, or not proved.",
                ),
                p.rate_limited(),
            ),
        ),
        Row("Saturation", (*p.saturation(), p.database_latency())),
    ),
)
