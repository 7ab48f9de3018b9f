"""The dev cluster (k8s/) agrees with the charts, checked without a cluster.

The add-on manifests are valid Kubernetes objects; the Secrets k8s/cluster creates are the ones
the pods mount; the NetworkPolicies' peers select the add-ons' pods; the ports kind maps are
Traefik's; the third-party charts' values are wired to each other (collector -> Tempo,
Grafana's exemplars -> Tempo, hop -> collector). The third-party charts themselves cannot be
downloaded here: the cluster workflow installs them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from hop_chart_helpers import CHARTS, PROFILES, ROOT, install_helm, of_kind, run_helm

K8S = ROOT / "k8s"
SCHEMAS = ROOT / "tests" / "charts" / "schemas"
KUBERNETES_VERSION = "1.33.0"
NAMESPACE = "hop"


def _documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def _values(name: str) -> dict[str, Any]:
    values: dict[str, Any] = yaml.safe_load((K8S / name).read_text())
    return values


@pytest.fixture(scope="module")
def rendered() -> list[dict[str, Any]]:
    """The umbrella as skaffold deploys it on the dev cluster: dev profile plus k8s values."""
    helm = install_helm()
    args = (*PROFILES["dev"], "-f", str(K8S / "values-kind.yaml"))
    done = run_helm(helm, "template", "hop", str(CHARTS / "hop"), "-n", NAMESPACE, *args)
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


@pytest.fixture(scope="module")
def addons() -> list[dict[str, Any]]:
    return _documents(K8S / "traefik.yaml") + _documents(K8S / "backing.yaml")


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


def test_addon_manifests_valid_for_kubernetes_and_gateway_api(
    addons: list[dict[str, Any]],
) -> None:
    assert {o["kind"] for o in addons} >= {"Deployment", "Service", "IngressClass", "Gateway"}
    gateway_schema = json.loads((SCHEMAS / "gateway-gateway-v1.json").read_text())
    for obj in addons:
        if obj["kind"] == "Gateway":
            jsonschema.validate(obj, gateway_schema)
        elif obj["kind"] == "GatewayClass":
            assert obj["spec"]["controllerName"] == "traefik.io/gateway-controller"
        else:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)


def test_gateway_listeners_are_traefiks_entrypoints_and_the_charts_sections(
    addons: list[dict[str, Any]],
) -> None:
    gateway = of_kind(addons, "Gateway")["hop"]
    args = of_kind(addons, "Deployment")["traefik"]["spec"]["template"]["spec"]["containers"][0][
        "args"
    ]
    entrypoints = {
        int(p) for p in re.findall(r"--entryPoints\.\w+\.address=:(\d+)", " ".join(args))
    }
    listeners = {listener["name"]: listener for listener in gateway["spec"]["listeners"]}
    assert {listener["port"] for listener in listeners.values()} <= entrypoints
    chart = yaml.safe_load((CHARTS / "hop" / "values.yaml").read_text())["exposure"]["gateway"]
    assert {chart["httpsListener"], chart["httpListener"]} == set(listeners)
    assert gateway["metadata"]["namespace"] == NAMESPACE
    assert "--providers.kubernetesgateway=true" in args
    assert "--providers.kubernetescrd=true" in args


def test_dev_cluster_hop_images_never_pulled_and_plain_http(
    rendered: list[dict[str, Any]],
) -> None:
    for obj in rendered:
        if obj["kind"] in {"Deployment", "Job"}:
            (container,) = obj["spec"]["template"]["spec"]["containers"]
            assert container["imagePullPolicy"] == "IfNotPresent"
    ingress = of_kind(rendered, "Ingress")["hop"]
    assert ingress["spec"]["ingressClassName"] == "traefik"
    assert ingress["spec"]["rules"][0]["host"] == "hop.localhost"


def test_cluster_creates_exactly_the_secrets_the_pods_mount(
    rendered: list[dict[str, Any]],
) -> None:
    created = set(re.findall(r"^  (?:session_)?secret (\S+)", (K8S / "cluster").read_text(), re.M))
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
    gateway = of_kind(_documents(K8S / "traefik.yaml"), "Gateway")["hop"]
    refs = [
        r["name"]
        for listener in gateway["spec"]["listeners"]
        for r in listener.get("tls", {}).get("certificateRefs", [])
    ]
    assert refs == ["hop-tls"]
    assert "create secret tls hop-tls" in (K8S / "cluster").read_text()


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


def test_kind_maps_traefiks_node_ports_to_the_cluster_urls() -> None:
    (service,) = [o for o in _documents(K8S / "traefik.yaml") if o["kind"] == "Service"]
    node_ports = {p["name"]: p["nodePort"] for p in service["spec"]["ports"]}
    mappings = yaml.safe_load((K8S / "kind.yaml").read_text())["nodes"][0]["extraPortMappings"]
    host_ports = {m["containerPort"]: m["hostPort"] for m in mappings}
    assert host_ports == {node_ports["web"]: 8080, node_ports["websecure"]: 8443}
    workflow = (ROOT / ".github" / "workflows" / "cluster.yml").read_text()
    assert "http://127.0.0.1:8080" in workflow
    assert "https://127.0.0.1:8443" in workflow


def test_locust_reaches_hop_localhost_at_traefiks_cluster_ip() -> None:
    (service,) = [o for o in _documents(K8S / "traefik.yaml") if o["kind"] == "Service"]
    for deployment in of_kind(_documents(K8S / "load.yaml"), "Deployment").values():
        aliases = deployment["spec"]["template"]["spec"]["hostAliases"]
        assert aliases == [{"ip": service["spec"]["clusterIP"], "hostnames": ["hop.localhost"]}]


def test_observability_values_wired_to_each_other() -> None:
    stack, collector = _values("kube-prometheus-stack.yaml"), _values("otel-collector.yaml")
    datasources = {d["uid"]: d for d in stack["grafana"]["additionalDataSources"]}
    exemplars = stack["grafana"]["sidecar"]["datasources"]["exemplarTraceIdDestinations"]
    assert exemplars == {"datasourceUid": "tempo", "traceIdLabelName": "trace_id"}
    assert datasources["tempo"]["url"] == "http://tempo.monitoring:3200"
    assert collector["config"]["exporters"]["otlp/tempo"]["endpoint"] == "tempo.monitoring:4317"
    assert "exemplar-storage" in stack["prometheus"]["prometheusSpec"]["enableFeatures"]
    otlp = _values("values-observability.yaml")["global"]["otlpEndpoint"]
    assert otlp == "http://opentelemetry-collector.monitoring:4318"
    assert collector["serviceMonitor"]["extraLabels"] == {"release": "kube-prometheus-stack"}


def test_collector_pipelines_use_only_defined_components() -> None:
    config = _values("otel-collector.yaml")["config"]
    # memory_limiter comes with the chart's default config, k8sattributes with its preset.
    from_chart = {"memory_limiter", "k8sattributes"}
    for name, pipeline in config["service"]["pipelines"].items():
        for receiver in pipeline["receivers"]:
            assert receiver in config["receivers"] or receiver in config["connectors"], name
        for processor in pipeline["processors"]:
            assert processor in config["processors"] or processor in from_chart, name
        for exporter in pipeline["exporters"]:
            assert exporter in config["exporters"] or exporter in config["connectors"], name
    traces = config["service"]["pipelines"]["traces"]
    assert {"k8sattributes", "resourcedetection", "batch"} <= set(traces["processors"])
    assert {"otlp/tempo", "spanmetrics"} <= set(traces["exporters"])


def test_versions_pinned_in_the_cluster_script_and_manifests() -> None:
    script = (K8S / "cluster").read_text()
    assert re.search(r'gateway_api_version="v\d+\.\d+\.\d+"', script)
    assert re.search(r'traefik_version="v\d+\.\d+\.\d+"', script)
    for path in K8S.glob("*.yaml"):
        for obj in _documents(path):
            spec = obj.get("spec", {}).get("template", {}).get("spec", {})
            for container in spec.get("containers", []):
                assert re.search(r":v?\d", container["image"]), (path.name, container["image"])
    traefik = of_kind(_documents(K8S / "traefik.yaml"), "Deployment")["traefik"]
    image = traefik["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image.endswith(re.search(r'traefik_version="(\S+)"', script).group(1))


def test_development_doc_names_only_paths_that_exist() -> None:
    text = (ROOT / "docs" / "development.md").read_text()
    paths = set(re.findall(r"`((?:k8s|charts|load|services|tools)/[^`\s]*|skaffold\.yaml)`", text))
    assert len(paths) > 10
    for path in paths:
        assert list(ROOT.glob(path.replace("<service>", "*"))), path
    for profile in ("dev", "observability", "load", "production", "httproute"):
        assert f"| `{profile}` |" in text
