"""Fixtures of the cluster tests; without a cluster (``HOP_CLUSTER_URL`` unset) all are skipped.

These tests run against hop deployed in a real Kubernetes cluster by `make cluster` and skaffold
(the cluster workflow, .github/workflows/cluster.yml). No kube-apiserver can run on the build
machines, so `make test` collects them and reports them skipped with the reason.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from hop_cluster import SERVICES, Cluster, from_environment

HERE = Path(__file__).parent
SKIP = pytest.mark.skip(
    reason="needs hop deployed in a Kubernetes cluster: set HOP_CLUSTER_URL "
    "(the cluster workflow does, after make cluster and skaffold deploy)"
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip every test of this folder unless a cluster is named."""
    if os.environ.get("HOP_CLUSTER_URL"):
        return
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(SKIP)


@pytest.fixture(scope="session")
def cluster() -> Cluster:
    """The hop release the environment names, once every service has rolled out."""
    found = from_environment()
    for service in SERVICES:
        found.wait_for_rollout(service)
    return found


@pytest.fixture(scope="session")
def api_key(cluster: Cluster) -> str:
    """A fresh owner and API key, made the operator's way: `hop-links` inside the links pod."""
    owner = f"ci-{uuid.uuid4().hex[:12]}"
    cluster.exec_in("links", "hop-links", "owners", "create", owner)
    lines = cluster.exec_in("links", "hop-links", "keys", "create", owner).split()
    assert lines, "hop-links keys create printed no key"
    return lines[-1]


@pytest.fixture(scope="session")
def auth(api_key: str) -> dict[str, str]:
    """The Authorization header of the session's key."""
    return {"Authorization": f"Bearer {api_key}"}
