"""`hop / console`: the owners' web pages, their sign-ins and the calls to links and analytics."""

from __future__ import annotations

from typing import Final

from hop_observability import metrics as m
from hop_observability import panels as p
from hop_observability.board import Board, Row

BOARD: Final = Board(
    "hop / console",
    "hop-console",
    "The console service: its pages, sign-ins, refused forms and its calls to links and analytics.",
    ("console",),
    (
        Row(
            "Answers",
            (p.request_rate(by=("http_route",)), p.error_ratio(), p.latency(by=("http_route",))),
        ),
        Row(
            "Console",
            (
                p.counter_rate(
                    "Sign-ins",
                    m.CONSOLE_SIGN_INS,
                    by=("outcome",),
                    unit="reqps",
                    description="Sign-in attempts: ok (links accepted the key) or rejected"
                    " (links refused it). A burst of rejected is someone trying keys.",
                ),
                p.counter_rate(
                    "CSRF rejections",
                    m.CONSOLE_CSRF_REJECTIONS,
                    unit="reqps",
                    description="Forms refused for a missing or wrong CSRF token: stale tabs"
                    " after a session ended, or a cross-site request. 0 when healthy.",
                    thresholds=((None, "green"), (0.1, "orange"), (1, "red")),
                ),
                p.counter_rate(
                    "Peer failures",
                    m.CONSOLE_PEER_FAILURES,
                    by=("peer",),
                    unit="reqps",
                    description="Calls to links or analytics that got no usable answer (down,"
                    " timing out, 5xx): the pages show an error instead. 0 when healthy.",
                    thresholds=((None, "green"), (0.01, "orange"), (1, "red")),
                ),
            ),
        ),
        Row("Saturation", (*p.saturation(), p.peer_latency())),
    ),
)
