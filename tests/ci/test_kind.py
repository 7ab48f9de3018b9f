"""The cluster workflow's kind set-up agrees with the charts, checked without a cluster.

The add-on manifests are valid Kubernetes objects; the kind values render with the dev profile;
the Secrets tools/kind/deploy creates are the ones the pods mount; the NetworkPolicies' peers
select the add-ons' pods; the Traefik NodePort is the port kind maps to HOP_CLUSTER_URL.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from hop_chart_helpers import CHARTS, PROFILES, ROOT, install_helm, of_kind, run_helm

KIND = ROOT / "tools" / "kind"
KUBERNETES_VERSION = "1.33.0"
NAMESPACE = "hop"


def _documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


@pytest.fixture(scope="module")
def rendered() -> list[dict[str, Any]]:
    """The umbrella as tools/kind/deploy installs it: dev profile plus the kind values."""
    helm = install_helm()
    args = (*PROFILES["dev"], "-f", str(KIND / "values-kind.yaml"))
    lint = run_helm(helm, "lint", "--strict", str(CHARTS / "hop"), *args)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    done = run_helm(helm, "template", "hop", str(CHARTS / "hop"), "-n", NAMESPACE, *args)
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


@pytest.fixture(scope="module")
def addons() -> list[dict[str, Any]]:
    return _documents(KIND / "traefik.yaml") + _documents(KIND / "backing.yaml")


def _pod_labels(addons: list[dict[str, Any]], name: str) -> dict[str, str]:
    labels: dict[str, str] = of_kind(addons, "Deployment")[name]["spec"]["template"]["metadata"][
        "labels"
    ]
    return labels


def _matches(peer: dict[str, Any], labels: dict[str, str], namespace: str) -> bool:
    """Whether a NetworkPolicy peer (matchLabels only) selects pods with ``labels``."""
    pods = peer.get("podSelector", {}).get("matchLabels", {})
    if "namespaceSelector" in peer:
        wanted = peer["namespaceSelector"].get("matchLabels", {})
        if wanted != {"kubernetes.io/metadata.name": namespace}:
            return False
    elif namespace != NAMESPACE:
        return False
    return all(labels.get(key) == value for key, value in pods.items())


def test_addon_manifests_valid_for_kubernetes_strict(addons: list[dict[str, Any]]) -> None:
    assert {o["kind"] for o in addons} >= {"Deployment", "Service", "IngressClass"}
    for obj in addons:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)


def test_kind_values_images_loaded_never_pulled_no_servicemonitor(
    rendered: list[dict[str, Any]],
) -> None:
    assert "ServiceMonitor" not in {o["kind"] for o in rendered}
    for obj in rendered:
        if obj["kind"] in {"Deployment", "Job"}:
            (container,) = obj["spec"]["template"]["spec"]["containers"]
            assert re.fullmatch(r"hop-(links|redirect|analytics|console):kind", container["image"])
            assert container["imagePullPolicy"] == "IfNotPresent"
    assert of_kind(rendered, "Ingress")["hop"]["spec"]["ingressClassName"] == "traefik"


def test_deploy_creates_exactly_the_secrets_the_pods_mount(rendered: list[dict[str, Any]]) -> None:
    created = set(re.findall(r"^secret (\S+) ", (KIND / "deploy").read_text(), re.M))
    mounted = {
        source["secret"]["name"]
        for obj in rendered
        if obj["kind"] in {"Deployment", "Job"}
        for volume in obj["spec"]["template"]["spec"]["volumes"]
        if "projected" in volume
        for source in volume["projected"]["sources"]
    }
    assert (
        created
        == mounted
        == {
            "hop-links-database",
            "hop-analytics-database",
            "hop-redis",
            "hop-console-session",
        }
    )


def test_network_policy_peers_select_the_addon_pods(
    rendered: list[dict[str, Any]], addons: list[dict[str, Any]]
) -> None:
    policies = of_kind(rendered, "NetworkPolicy")
    traefik = _pod_labels(addons, "traefik")
    for name in ("hop-links", "hop-redirect", "hop-analytics", "hop-console"):
        ingress_peers = policies[name]["spec"]["ingress"][0]["from"]
        assert any(_matches(p, traefik, "traefik") for p in ingress_peers), name
    egress = {name: policies[name]["spec"]["egress"] for name in policies}
    for name, backing, port in [
        ("hop-links", "postgresql", 5432),
        ("hop-analytics", "postgresql", 5432),
        ("hop-analytics", "redis", 6379),
        ("hop-redirect", "redis", 6379),
    ]:
        labels = _pod_labels(addons, backing)
        assert any(
            any(_matches(peer, labels, NAMESPACE) for peer in rule["to"])
            and {"port": port, "protocol": "TCP"} in rule["ports"]
            for rule in egress[name]
        ), (name, backing)


def test_traefik_node_port_is_the_one_kind_maps_to_the_cluster_url() -> None:
    (service,) = [o for o in _documents(KIND / "traefik.yaml") if o["kind"] == "Service"]
    (mapping,) = yaml.safe_load((ROOT / "k8s" / "kind.yaml").read_text())["nodes"][0][
        "extraPortMappings"
    ]
    assert service["spec"]["ports"][0]["nodePort"] == mapping["containerPort"]
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "cluster.yml").read_text())
    url = workflow["jobs"]["kind"]["env"]["HOP_CLUSTER_URL"]
    assert url == f"http://{mapping['listenAddress']}:{mapping['hostPort']}"
