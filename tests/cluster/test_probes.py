"""Every pod of every service answers its probes and metrics on the management port."""

from __future__ import annotations

import httpx
import pytest
from hop_cluster import SERVICES, Cluster


@pytest.mark.parametrize("service", SERVICES)
def test_every_pod_management_port_ready_live_and_scrapable(cluster: Cluster, service: str) -> None:
    pods = cluster.running_pods(service)
    assert pods, f"no running pod of {service}"
    for pod in pods:
        with cluster.port_forward(f"pod/{pod}", 9000) as base, httpx.Client(base_url=base) as c:
            ready = c.get("/readyz", params={"verbose": "1"})
            assert ready.status_code == 200, f"{pod}: {ready.text}"
            assert ready.text.endswith("readyz check passed\n"), ready.text
            assert c.get("/livez").text == "ok\n"
            metrics = c.get("/metrics")
            assert metrics.status_code == 200
            assert metrics.headers["content-type"].startswith("text/plain")
