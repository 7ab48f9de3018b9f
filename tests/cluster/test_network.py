"""The NetworkPolicies open exactly hop's call graph: its edges connect, others are refused.

Each check opens a TCP connection from inside a pod (the runtime images carry Python), so the
policies of both ends apply, as they do to the services' own traffic.
"""

from __future__ import annotations

import uuid

import pytest
from hop_cluster import SERVICES, Cluster

# Prints "open", "blocked <error>" or "dns-failed <error>" for host and port in argv.
CONNECT = """
import socket, sys
host, port = sys.argv[1], int(sys.argv[2])
try:
    socket.getaddrinfo(host, port)
except OSError as err:
    print("dns-failed", type(err).__name__)
    raise SystemExit(0)
try:
    socket.create_connection((host, port), timeout=5).close()
except OSError as err:
    print("blocked", type(err).__name__)
else:
    print("open")
"""


def _connect_from(cluster: Cluster, service: str, host: str, port: int) -> str:
    return cluster.exec_in(service, "python", "-c", CONNECT, host, str(port)).strip()


def _target(cluster: Cluster, name: str) -> str:
    """A hop service's Service name, or a backing service's (postgresql, redis) as is."""
    return cluster.name(name) if name in SERVICES else name


@pytest.mark.parametrize(
    ("source", "target", "port"),
    [
        ("redirect", "links", 8000),
        ("redirect", "analytics", 8000),
        ("analytics", "links", 8000),
        ("console", "links", 8000),
        ("console", "links", 8001),  # sign-in sessions, on links' internal port
        ("console", "analytics", 8000),
        ("links", "postgresql", 5432),
        ("analytics", "postgresql", 5432),
        ("analytics", "redis", 6379),
        ("redirect", "redis", 6379),
    ],
)
def test_call_graph_edge_connects(cluster: Cluster, source: str, target: str, port: int) -> None:
    assert _connect_from(cluster, source, _target(cluster, target), port) == "open"


@pytest.mark.parametrize(
    ("source", "target", "port"),
    [
        ("links", "redirect", 8000),
        ("links", "analytics", 8000),
        ("redirect", "postgresql", 5432),
        ("analytics", "redirect", 8000),
        ("redirect", "links", 9000),
        ("console", "redirect", 8000),
        ("console", "postgresql", 5432),
        ("console", "redis", 6379),
        ("links", "console", 8000),
    ],
)
def test_edge_outside_call_graph_blocked(
    cluster: Cluster, source: str, target: str, port: int
) -> None:
    assert _connect_from(cluster, source, _target(cluster, target), port).startswith("blocked ")


def test_pod_without_policy_role_cannot_reach_links(cluster: Cluster) -> None:
    image = cluster.kubectl_ok(
        "get",
        f"deployment/{cluster.name('links')}",
        "--output",
        "jsonpath={.spec.template.spec.containers[0].image}",
    )
    done = cluster.kubectl_run(
        "run",
        f"hop-netpol-probe-{uuid.uuid4().hex[:8]}",
        "--image",
        image,
        "--image-pull-policy",
        "IfNotPresent",
        "--restart",
        "Never",
        "--rm",
        "--attach",
        "--quiet",
        "--pod-running-timeout",
        "2m",
        "--command",
        "--",
        "python",
        "-c",
        CONNECT,
        cluster.name("links"),
        "8000",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith("blocked "), done.stdout
