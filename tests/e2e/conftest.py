"""Fixtures of the end-to-end tests: one stack of real processes shared by the http tests.

The stack runs on free loopback ports with fresh SQLite files, exports every span to a
real OTLP/HTTP receiver, and is scraped by a real Prometheus.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hop_e2e_otlp import OtlpReceiver, otlp_receiver
from hop_e2e_prometheus import Prometheus, running_prometheus
from hop_e2e_stack import RunningStack, running_stack
from hop_local.services import SERVICES


@pytest.fixture(scope="session")
def otlp() -> Iterator[OtlpReceiver]:
    """A real OTLP/HTTP receiver collecting every span of the shared stack."""
    with otlp_receiver() as receiver:
        yield receiver


@pytest.fixture(scope="session")
def hop(tmp_path_factory: pytest.TempPathFactory, otlp: OtlpReceiver) -> Iterator[RunningStack]:
    """The shared stack: http click transport, every request traced and exported."""
    root = tmp_path_factory.mktemp("hop-http")
    with running_stack(root, env={"OTEL_EXPORTER_OTLP_ENDPOINT": otlp.endpoint}) as stack:
        yield stack


@pytest.fixture(scope="session")
def prometheus(tmp_path_factory: pytest.TempPathFactory, hop: RunningStack) -> Iterator[Prometheus]:
    """A real Prometheus scraping the shared stack's management ports, every service's."""
    targets = {
        service: f"127.0.0.1:{hop.stack.ports.of(service).management}" for service in SERVICES
    }
    with running_prometheus(tmp_path_factory.mktemp("prometheus"), targets) as server:
        yield server
