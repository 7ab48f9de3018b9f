"""Prometheus in the cluster scrapes hop; the trace backend holds one trace across services.

Only where the observability stack runs (skaffold's observability profile; the cluster workflow
sets ``HOP_OBSERVABILITY=1``): kube-prometheus-stack and Tempo in namespace ``monitoring``.
"""

from __future__ import annotations

import os
import secrets
import uuid
from typing import Any

import httpx
import pytest
from hop_cluster import SERVICES, Cluster, eventually

pytestmark = pytest.mark.skipif(
    os.environ.get("HOP_OBSERVABILITY") != "1",
    reason="needs the observability stack (skaffold -p observability; HOP_OBSERVABILITY=1)",
)
MONITORING = "monitoring"


def _query(base: str, promql: str) -> list[dict[str, Any]]:
    answer = httpx.get(f"{base}/api/v1/query", params={"query": promql}, timeout=10)
    answer.raise_for_status()
    result: list[dict[str, Any]] = answer.json()["data"]["result"]
    return result


def test_prometheus_scrapes_every_service_through_its_servicemonitor(cluster: Cluster) -> None:
    target = "svc/kube-prometheus-stack-prometheus"
    with cluster.port_forward(target, 9090, namespace=MONITORING) as base:
        found = eventually(
            lambda: {r["metric"].get("service") for r in _query(base, "hop_build_info")},
            lambda services: set(SERVICES) <= services,
            timeout=180,
        )
        assert set(SERVICES) <= found
        requests = _query(base, "sum by (job) (http_server_request_duration_seconds_count)")
        assert requests


def test_one_click_is_one_trace_across_redirect_and_links(
    cluster: Cluster, auth: dict[str, str]
) -> None:
    with cluster.client() as client:
        made = client.post(
            "/api/v1/links",
            json={"url": f"https://example.com/trace/{uuid.uuid4().hex}"},
            headers=auth,
        )
        assert made.status_code == 201, made.text
        trace_id = secrets.token_hex(16)
        parent = secrets.token_hex(8)
        followed = client.get(
            f"/{made.json()['code']}", headers={"traceparent": f"00-{trace_id}-{parent}-01"}
        )
    assert followed.status_code == 302
    with cluster.port_forward("svc/tempo", 3200, namespace=MONITORING) as base:

        def services_in_trace() -> set[str]:
            answer = httpx.get(f"{base}/api/traces/{trace_id}", timeout=10)
            if answer.status_code != 200:
                return set()
            names = set()
            for batch in answer.json().get("batches", answer.json().get("resourceSpans", [])):
                for attribute in batch["resource"]["attributes"]:
                    if attribute["key"] == "service.name":
                        names.add(attribute["value"]["stringValue"])
            return names

        found = eventually(
            services_in_trace, lambda names: {"redirect", "links"} <= names, timeout=120
        )
    assert {"redirect", "links"} <= found
