"""Prometheus metrics: the HTTP server metrics every service exports, and its own registry.

Usage::

    metrics = Metrics(settings)
    hits = Counter("hop_redirect_cache_hits_total", "Cache hits.", registry=metrics.registry)
    body, content_type = metrics.render(accept_header)

Names follow the OpenTelemetry HTTP semantic conventions. In multiprocess mode
(``PROMETHEUS_MULTIPROC_DIR`` set, as the gunicorn runner does) every worker writes
its samples to that directory and `render` aggregates them; the HTTP server metrics are
counted in the worker and copied there every second (`_multiprocess`), so another
worker's last second may be missing from a scrape.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Iterable
from typing import Final

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
)
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector

from hop_instrumentation._client_metrics import CLIENT_REQUEST_DURATION, HttpClientMetrics
from hop_instrumentation._collectors import LockFreeGauge, LockFreeHistogram
from hop_instrumentation._multiprocess import (
    PUBLISH_INTERVAL,
    ExemplarsCollector,
    MultiprocessPublisher,
    exemplars_file,
)
from hop_instrumentation.settings import ServiceSettings

__all__ = [
    "ACTIVE_REQUESTS",
    "BUILD_INFO",
    "CLIENT_REQUEST_DURATION",
    "DURATION_BUCKETS",
    "REQUEST_DURATION",
    "HttpClientMetrics",
    "Metrics",
    "OldestWaitingAge",
    "is_multiprocess",
    "labelled_counter",
]

REQUEST_DURATION: Final = "http_server_request_duration_seconds"
ACTIVE_REQUESTS: Final = "http_server_active_requests"
BUILD_INFO: Final = "hop_build_info"

#: The boundaries the stable HTTP semantic conventions advise, plus two finer ones at
#: the low end: a cached redirect takes well under 5 ms.
DURATION_BUCKETS: Final = (
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5,
    10.0,
)  # fmt: skip

_MULTIPROC_ENV: Final = "PROMETHEUS_MULTIPROC_DIR"


def labelled_counter(
    name: str,
    documentation: str,
    *,
    registry: CollectorRegistry,
    label: str,
    values: Iterable[str],
) -> Counter:
    """Register and return a counter of one ``label``, every one of its ``values`` at 0.

    Exported from 0, a quiet or healthy service shows 0 for each value, not "no data",
    so rates and alerts over it work from the first scrape.
    """
    counter = Counter(name, documentation, [label], registry=registry)
    for value in values:
        counter.labels(value)
    return counter


class OldestWaitingAge:
    """Keep a gauge at the age of the oldest item still waiting, in seconds (0: none waits).

    Usage::

        age = OldestWaitingAge(gauge, lambda: queue[0].created if queue else None)
        age.start()  # on the running loop; `refresh` every ``interval`` seconds
        ...
        await age.stop()

    ``oldest`` returns the wall-clock time (`time.time`) the oldest waiting item was made,
    or None when nothing waits. A background task refreshes the gauge, so the age grows
    with time while whatever should take the item is stuck, not only when it moves, and
    in multiprocess mode every worker's value stays current whichever worker is scraped.
    """

    def __init__(
        self,
        gauge: Gauge,
        oldest: Callable[[], float | None],
        *,
        interval: float = 1.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.gauge = gauge
        self._oldest = oldest
        self._interval = interval
        self._clock = clock
        self._task: asyncio.Task[None] | None = None

    def refresh(self) -> float:
        """Set the gauge to the oldest item's age now, and return it."""
        since = self._oldest()
        age = 0.0 if since is None else max(0.0, self._clock() - since)
        self.gauge.set(age)
        return age

    def start(self) -> None:
        """Refresh the gauge every ``interval`` seconds on the running loop until `stop`."""
        self.refresh()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="waiting-age")

    async def stop(self) -> None:
        """Stop refreshing; the gauge keeps its last value."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            self.refresh()


def is_multiprocess() -> bool:
    """Tell whether samples go to the shared multiprocess directory (gunicorn mode)."""
    return bool(os.environ.get(_MULTIPROC_ENV))


class Metrics:
    """Own a service's registry and the HTTP server metrics in it."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        duration_labels = ["http_request_method", "http_route", "http_response_status_code"]
        duration_doc = "Duration of HTTP server requests."
        active_doc = "Number of HTTP server requests in flight."
        self.request_duration = LockFreeHistogram(
            REQUEST_DURATION, duration_doc, duration_labels, DURATION_BUCKETS
        )
        self.active_requests = LockFreeGauge(ACTIVE_REQUESTS, active_doc, ["http_request_method"])
        #: Copies the two families into the shared files (multiprocess mode only).
        self.publisher: MultiprocessPublisher | None = None
        if is_multiprocess():
            self.publisher = MultiprocessPublisher(
                self.request_duration,
                self.active_requests,
                interval=PUBLISH_INTERVAL,
                exemplars=exemplars_file(os.environ[_MULTIPROC_ENV], os.getpid()),
            )
        else:
            self.registry.register(self.request_duration)
            self.registry.register(self.active_requests)
        self.build_info = Gauge(
            BUILD_INFO,
            "Always 1; labels name the service's build.",
            ["service", "version", "commit"],
            registry=self.registry,
            multiprocess_mode="max",
        )
        self.build_info.labels(
            settings.service_name, settings.service_version, settings.service_commit
        ).set(1)
        #: Calls to other services (`create_http_client(..., metrics=...)`).
        self.http_client = HttpClientMetrics(self.registry, multiprocess=is_multiprocess())
        if not is_multiprocess():
            for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
                self.registry.register(collector)

    def render(self, accept: str | None) -> tuple[bytes, str]:
        """Return the exposition body and its content type for a scraper's ``Accept`` header."""
        encoder, content_type = choose_encoder(accept or "")
        if self.publisher is not None:
            self.publisher.publish()  # this worker's samples are current in what it answers
        return encoder(self._exposition_registry()), content_type

    def _exposition_registry(self) -> CollectorRegistry:
        if not is_multiprocess():
            return self.registry
        registry = CollectorRegistry()
        directory = os.environ[_MULTIPROC_ENV]
        files = MultiProcessCollector(None)  # type: ignore[no-untyped-call]
        registry.register(ExemplarsCollector(files, directory, REQUEST_DURATION))
        return registry
