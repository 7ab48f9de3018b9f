"""How long calls to other services take: ``http_client_request_duration_seconds``.

Public through `hop_instrumentation.metrics`. Named after the OpenTelemetry HTTP
semantic conventions' ``http.client.request.duration`` as the server histogram is after
``http.server.request.duration``: labels ``http_request_method``, ``server_address``,
``server_port``, ``http_response_status_code`` (empty without an answer) and
``error_type`` (the status code of a 4xx or 5xx, the exception's full class name without
an answer, else empty), the values the client span gets.
"""

from __future__ import annotations

from time import perf_counter
from typing import Final

from prometheus_client import CollectorRegistry, Histogram

from hop_instrumentation._collectors import LockFreeHistogram

__all__ = ["CLIENT_REQUEST_DURATION", "HttpClientMetrics", "error_type"]

CLIENT_REQUEST_DURATION: Final = "http_client_request_duration_seconds"
#: The server histogram's boundaries: a peer's answer is timed against the same scale.
_BUCKETS: Final = (
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5,
    10.0,
)  # fmt: skip
_LABELS: Final = [
    "http_request_method",
    "server_address",
    "server_port",
    "http_response_status_code",
    "error_type",
]


def error_type(status: int | None = None, err: BaseException | None = None) -> str:
    """Return a client request's ``error.type``: a 4xx/5xx status, an exception's class, or ''."""
    if err is not None:
        return f"{type(err).__module__}.{type(err).__qualname__}"
    if status is not None and status >= 400:
        return str(status)
    return ""


class HttpClientMetrics:
    """Time requests to other services into ``http_client_request_duration_seconds``.

    Usage (`hop_instrumentation.tracing.create_http_client` and
    `hop_instrumentation.aiohttp_client.create_aiohttp_session` do it given ``metrics``)::

        started = metrics.start()
        ...  # send, read the answer's head
        metrics.observe(started, "GET", "links", 8001, status=200)
    """

    def __init__(self, registry: CollectorRegistry, *, multiprocess: bool) -> None:
        doc = "Duration of HTTP client requests to other services (until the answer's head)."
        self._duration: LockFreeHistogram | Histogram
        if multiprocess:
            self._duration = Histogram(
                CLIENT_REQUEST_DURATION, doc, _LABELS, buckets=_BUCKETS, registry=registry
            )
        else:
            self._duration = LockFreeHistogram(CLIENT_REQUEST_DURATION, doc, _LABELS, _BUCKETS)
            registry.register(self._duration)

    @staticmethod
    def start() -> float:
        """Return the time a request starts, for `observe`."""
        return perf_counter()

    def observe(
        self,
        started: float,
        method: str,
        address: str,
        port: int,
        *,
        status: int | None = None,
        err: BaseException | None = None,
    ) -> None:
        """Record a request begun at ``started``: answered ``status``, or failed with ``err``."""
        code = "" if status is None else str(status)
        self._duration.labels(method, address, str(port), code, error_type(status, err)).observe(
            perf_counter() - started
        )
