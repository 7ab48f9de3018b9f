"""What operators change: host, TLS, exposure, CRD-gated objects, hooks, HPA and escape hatches."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from hop_chart_helpers import (
    CHARTS,
    PROFILES,
    SERVICES,
    WITH_CRDS,
    Render,
    of_kind,
    run_helm,
    serving,
    workloads,
)

Obj = dict[str, Any]
KUBERNETES_VERSION = "1.33.0"
HOOK_DELETE = "before-hook-creation,hook-succeeded"


def _containers(workload: Obj) -> list[Obj]:
    return list(workload["spec"]["template"]["spec"]["containers"])


def _env(container: Obj) -> dict[str, Obj]:
    return {e["name"]: e for e in container.get("env", [])}


def test_bare_cluster_renders_no_crd_objects(render: Render) -> None:
    kinds = {o["kind"] for o in render()}
    assert not kinds & {"ServiceMonitor", "HTTPRoute", "Middleware", "PrometheusRule"}
    assert "redirect-https" not in " ".join(of_kind(render(), "Ingress"))


def test_host_drives_ingress_and_links_public_base_url(render: Render) -> None:
    objects = render("--set", "global.host=go.example.org", *WITH_CRDS)
    assert of_kind(objects, "ConfigMap")["hop-links"]["data"]["HOP_PUBLIC_BASE_URL"] == (
        "https://go.example.org"
    )
    for ingress in of_kind(objects, "Ingress").values():
        assert [r["host"] for r in ingress["spec"]["rules"]] == ["go.example.org"]
    plain = render("--set", "global.host=go.example.org", "--set", "global.https=false")
    assert of_kind(plain, "ConfigMap")["hop-links"]["data"]["HOP_PUBLIC_BASE_URL"] == (
        "http://go.example.org"
    )


def test_host_and_in_cluster_names_are_redirects_platform_hosts(render: Render) -> None:
    objects = render(
        "--set", "global.host=go.example.org",
        "--set", "redirect.settings.platformHosts={edge.internal}",
    )  # fmt: skip
    data = of_kind(objects, "ConfigMap")["hop-redirect"]["data"]
    assert data["HOP_PLATFORM_HOSTS"] == (
        "go.example.org,hop-redirect,hop-redirect.hop,hop-redirect.hop.svc,edge.internal"
    )


def test_explicit_public_base_url_wins(render: Render) -> None:
    objects = render("--set", "links.settings.publicBaseUrl=https://s.example.org")
    data = of_kind(objects, "ConfigMap")["hop-links"]["data"]
    assert data["HOP_PUBLIC_BASE_URL"] == "https://s.example.org"


def test_a_list_setting_renders_as_json_links_reads(render: Render) -> None:
    from hop_links.settings import LinksSettings

    objects = render("--set", "links.settings.domainDenyList={Bank.example,evil.test}")
    data = of_kind(objects, "ConfigMap")["hop-links"]["data"]
    denied = LinksSettings(domain_deny_list=data["HOP_DOMAIN_DENY_LIST"]).domain_deny_list
    assert data["HOP_DOMAIN_DENY_LIST"] == '["Bank.example","evil.test"]'
    assert denied == ("bank.example", "evil.test")
    assert of_kind(render(), "ConfigMap")["hop-links"]["data"]["HOP_DOMAIN_DENY_LIST"] == "[]"


def test_other_release_name_every_backend_url_and_peer_agrees(helm: Path) -> None:
    done = run_helm(helm, "template", "edge", str(CHARTS / "hop"), "-n", "hop", *WITH_CRDS)
    assert done.returncode == 0, done.stderr
    objects = [doc for doc in yaml.safe_load_all(done.stdout) if doc]
    services = set(of_kind(objects, "Service"))
    assert services == {f"edge-{s}" for s in SERVICES}
    for ingress in of_kind(objects, "Ingress").values():
        for path in ingress["spec"]["rules"][0]["http"]["paths"]:
            assert path["backend"]["service"]["name"] in services
    for config in of_kind(objects, "ConfigMap").values():
        for key, value in config["data"].items():
            if key.endswith("_URL") and key not in ("HOP_PUBLIC_BASE_URL", "HOP_UNKNOWN_HOST_URL"):
                assert value.removeprefix("http://").split(":")[0] in services, key
    pods = [d["spec"]["template"]["metadata"]["labels"] for d in serving(objects).values()]
    for policy in of_kind(objects, "NetworkPolicy").values():
        rules = policy["spec"].get("ingress", []) + policy["spec"].get("egress", [])
        for rule in rules:
            for peer in rule.get("from", []) + rule.get("to", []):
                labels = peer.get("podSelector", {}).get("matchLabels", {})
                if labels.get("app.kubernetes.io/name") in SERVICES:
                    assert any(labels.items() <= pod.items() for pod in pods), labels


def test_selectors_hold_nothing_an_operator_sets(render: Render) -> None:
    objects = render(
        "--set", "links.podLabels.team=growth", "--set", "links.image.tag=9.9.9", *WITH_CRDS
    )
    deployment = serving(objects)["hop-links"]
    assert deployment["spec"]["selector"]["matchLabels"] == {
        "app.kubernetes.io/name": "links",
        "app.kubernetes.io/instance": "hop",
        "app.kubernetes.io/component": "api",
    }
    assert deployment["spec"]["template"]["metadata"]["labels"]["team"] == "growth"
    assert (
        of_kind(objects, "Service")["hop-links"]["spec"]["selector"]
        == (deployment["spec"]["selector"]["matchLabels"])
    )


def test_global_open_for_other_charts(render: Render) -> None:
    assert render("--set", "global.storageClass=fast", "--set", "global.team.name=x")


def test_servicemonitor_labels_default_kube_prometheus_stack_and_configurable(
    render: Render,
) -> None:
    for monitor in of_kind(render(*WITH_CRDS), "ServiceMonitor").values():
        assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    custom = render("--set", "global.serviceMonitor.labels.release=prom", *WITH_CRDS)
    for monitor in of_kind(custom, "ServiceMonitor").values():
        assert monitor["metadata"]["labels"]["release"] == "prom"


def test_hook_objects_deleted_after_success(objects: list[Obj]) -> None:
    hooks = [o for o in objects if "helm.sh/hook" in o["metadata"].get("annotations", {})]
    kinds = {(o["kind"], o["metadata"]["annotations"]["helm.sh/hook"]) for o in hooks}
    assert ("ServiceAccount", "pre-install,pre-upgrade") in kinds
    for hook in hooks:
        policy = hook["metadata"]["annotations"]["helm.sh/hook-delete-policy"]
        assert policy == HOOK_DELETE, hook["metadata"]["name"]


def test_migration_job_sized_for_scheduling_and_prioritisable(render: Render) -> None:
    objects = render("--set", "links.migration.priorityClassName=hop-migrations")
    for job in of_kind(objects, "Job").values():
        (container,) = _containers(job)
        assert container["resources"]["requests"] == {"cpu": "50m", "memory": "128Mi"}
        assert container["command"] == ["hop-service"]
    pod = of_kind(objects, "Job")["hop-links-migrate"]["spec"]["template"]["spec"]
    assert pod["priorityClassName"] == "hop-migrations"


def test_startup_and_liveness_never_ask_for_dependencies(objects: list[Obj]) -> None:
    for deployment in serving(objects).values():
        (container,) = _containers(deployment)
        assert container["startupProbe"]["httpGet"]["path"] == "/livez"
        assert container["livenessProbe"]["httpGet"]["path"] == "/livez"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_every_pod_names_itself_in_otel_resource_attributes(objects: list[Obj]) -> None:
    for workload in workloads(objects):
        env = _env(_containers(workload)[0])
        assert env["OTEL_RESOURCE_ATTRIBUTES"]["value"] == (
            "k8s.pod.name=$(K8S_POD_NAME),k8s.namespace.name=$(K8S_NAMESPACE_NAME),"
            "k8s.node.name=$(K8S_NODE_NAME)"
        )
        fields = {
            name: env[name]["valueFrom"]["fieldRef"]["fieldPath"]
            for name in env
            if name.startswith("K8S_")
        }
        assert fields == {
            "K8S_POD_NAME": "metadata.name",
            "K8S_NAMESPACE_NAME": "metadata.namespace",
            "K8S_NODE_NAME": "spec.nodeName",
        }


ESCAPE_HATCHES = """
global:
  imageRegistry: registry.example.com/hop
  imagePullSecrets: [regcred]
links:
  env:
    FEATURE_X: "on"
    POD_IP: {valueFrom: {fieldRef: {fieldPath: status.podIP}}}
  envFrom:
    - secretRef: {name: links-extra}
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
          - matchExpressions: [{key: pool, operator: In, values: [web]}]
  tolerations: [{key: dedicated, operator: Equal, value: web, effect: NoSchedule}]
  priorityClassName: hop-high
  serviceAccount:
    annotations: {iam.gke.io/gcp-service-account: links@project.iam.gserviceaccount.com}
  podLabels: {team: growth}
  podAnnotations: {example.com/owner: growth}
  service:
    annotations: {example.com/scrape: "false"}
  imagePullSecrets: [links-regcred]
  extraVolumes:
    ca: {configMap: {name: corporate-ca}}
  extraVolumeMounts:
    ca: {mountPath: /etc/ssl/corporate, readOnly: true}
  initContainers:
    wait:
      image: busybox:1.37
      command: [sh, -c, "true"]
  sidecars:
    proxy:
      image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.0
      args: [--port=5432, project:region:instance]
  resources:
    requests: {cpu: 300m, memory: 256Mi}
    limits: {cpu: "2", memory: 512Mi}
  settings: {databasePoolSize: 3, databaseMaxOverflow: 1}
"""


@pytest.fixture(scope="module")
def hatches(render: Render, tmp_path_factory: pytest.TempPathFactory) -> list[Obj]:
    values = tmp_path_factory.mktemp("values") / "hatches.yaml"
    values.write_text(ESCAPE_HATCHES)
    return render("-f", str(values), *WITH_CRDS)


def test_escape_hatches_valid_kubernetes_objects(hatches: list[Obj]) -> None:
    for obj in hatches:
        if obj["kind"] in {"Deployment", "Job", "Service", "ServiceAccount"}:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)


def test_escape_hatches_land_in_the_pod(hatches: list[Obj]) -> None:
    for workload in (
        serving(hatches)["hop-links"],
        of_kind(hatches, "Job")["hop-links-migrate"],
    ):
        pod = workload["spec"]["template"]["spec"]
        container = pod["containers"][0]
        assert container["image"] == "registry.example.com/hop/hop-links:0.1.0"
        assert pod["imagePullSecrets"] == [{"name": "regcred"}, {"name": "links-regcred"}]
        assert pod["tolerations"][0]["key"] == "dedicated"
        assert "nodeAffinity" in pod["affinity"]
        assert {"secretRef": {"name": "links-extra"}} in container["envFrom"]
        assert _env(container)["FEATURE_X"]["value"] == "on"
        assert _env(container)["POD_IP"]["valueFrom"]["fieldRef"]["fieldPath"] == "status.podIP"
        mounts = {m["name"]: m for m in container["volumeMounts"]}
        assert mounts["ca"] == {"name": "ca", "mountPath": "/etc/ssl/corporate", "readOnly": True}
        assert {"name": "ca", "configMap": {"name": "corporate-ca"}} in pod["volumes"]
        init = {c["name"]: c for c in pod["initContainers"]}
        assert init["proxy"]["restartPolicy"] == "Always"
        assert "restartPolicy" not in init["wait"]
    deployment = serving(hatches)["hop-links"]
    pod = deployment["spec"]["template"]
    assert pod["spec"]["priorityClassName"] == "hop-high"
    assert pod["metadata"]["labels"]["team"] == "growth"
    assert pod["metadata"]["annotations"]["example.com/owner"] == "growth"
    assert pod["spec"]["containers"][0]["resources"]["requests"]["cpu"] == "300m"
    account = of_kind(hatches, "ServiceAccount")["hop-links"]
    assert "iam.gke.io/gcp-service-account" in account["metadata"]["annotations"]
    service = of_kind(hatches, "Service")["hop-links"]
    assert service["metadata"]["annotations"] == {"example.com/scrape": "false"}
    data = of_kind(hatches, "ConfigMap")["hop-links"]["data"]
    assert (data["HOP_DATABASE_POOL_SIZE"], data["HOP_DATABASE_MAX_OVERFLOW"]) == ("3", "1")


def test_https_on_traefik_websecure_only_and_web_redirects(render: Render) -> None:
    objects = render(*PROFILES["production"])
    ingresses = of_kind(objects, "Ingress")
    main = ingresses["hop"]["metadata"]["annotations"]
    assert main["traefik.ingress.kubernetes.io/router.entrypoints"] == "websecure"
    assert main["traefik.ingress.kubernetes.io/router.tls"] == "true"
    assert ingresses["hop"]["spec"]["tls"] == [
        {"hosts": ["hop.example.com"], "secretName": "hop-tls"}
    ]
    redirect = ingresses["hop-redirect-https"]["metadata"]["annotations"]
    assert redirect["traefik.ingress.kubernetes.io/router.entrypoints"] == "web"
    assert redirect["traefik.ingress.kubernetes.io/router.middlewares"] == (
        "hop-hop-redirect-https@kubernetescrd"
    )
    middleware = of_kind(objects, "Middleware")["hop-redirect-https"]
    assert middleware["spec"] == {"redirectScheme": {"scheme": "https", "permanent": True}}


def test_plain_http_dev_profile_serves_web_without_tls(render: Render) -> None:
    objects = render(*PROFILES["dev"])
    ingresses = of_kind(objects, "Ingress")
    assert set(ingresses) == {"hop", "hop-batch"}  # the batch routes have a larger body cap
    annotations = ingresses["hop"]["metadata"]["annotations"]
    assert annotations == {
        "traefik.ingress.kubernetes.io/router.entrypoints": "web",
        # The edge limits (body cap, rate limit) ride on the same router.
        "traefik.ingress.kubernetes.io/router.middlewares": (
            "hop-hop-rate-limit@kubernetescrd,hop-hop-limits@kubernetescrd"
        ),
    }
    assert "tls" not in ingresses["hop"]["spec"]
    assert "tls" not in ingresses["hop-batch"]["spec"]
    assert of_kind(objects, "ConfigMap")["hop-links"]["data"]["HOP_PUBLIC_BASE_URL"] == (
        "http://hop.localhost"
    )


def test_cert_manager_issuer_annotates_the_ingress(render: Render) -> None:
    objects = render("--set", "exposure.tls.issuer=letsencrypt", *WITH_CRDS)
    annotations = of_kind(objects, "Ingress")["hop"]["metadata"]["annotations"]
    assert annotations["cert-manager.io/cluster-issuer"] == "letsencrypt"
    issuer = render("--set", "exposure.tls.issuer=ca", "--set", "exposure.tls.issuerKind=Issuer")
    assert (
        of_kind(issuer, "Ingress")["hop"]["metadata"]["annotations"]["cert-manager.io/issuer"]
        == "ca"
    )


def test_gateway_https_listener_timeouts_and_http_redirect(render: Render) -> None:
    objects = render(
        "--set",
        "exposure.kind=httproute",
        "--set",
        "global.networkPolicy.gateway[0].podSelector.matchLabels.gateway=hop",
        *WITH_CRDS,
    )
    assert "Ingress" not in {o["kind"] for o in objects}
    routes = of_kind(objects, "HTTPRoute")
    assert routes["hop"]["spec"]["parentRefs"] == [{"name": "hop", "sectionName": "https"}]
    for rule in routes["hop"]["spec"]["rules"]:
        assert rule["timeouts"] == {"request": "30s", "backendRequest": "15s"}
    redirect = routes["hop-redirect-https"]["spec"]
    assert redirect["parentRefs"] == [{"name": "hop", "sectionName": "http"}]
    # Plain HTTP serves links' ownership challenge (a domain proves itself before it has a
    # certificate) and redirects everything else.
    challenge = {"path": {"type": "PathPrefix", "value": "/.well-known/hop-challenge"}}
    assert redirect["rules"][:-1] == [
        {"matches": [challenge], "backendRefs": [{"name": "hop-links", "port": 8000}]}
    ]
    assert redirect["rules"][-1:] == [
        {
            "filters": [
                {
                    "type": "RequestRedirect",
                    "requestRedirect": {"scheme": "https", "statusCode": 301},
                }
            ]
        }
    ]
    policy = of_kind(objects, "NetworkPolicy")["hop-redirect"]
    peers = [p for rule in policy["spec"]["ingress"] for p in rule["from"]]
    assert {"podSelector": {"matchLabels": {"gateway": "hop"}}} in peers


@pytest.mark.parametrize(
    "values",
    [
        (),
        ("--set", "links.image.pullPolicy=Always"),
        ("--set", "global.serviceDefaults.image.pullPolicy=Never"),
        (
            "--set",
            "global.serviceDefaults.image.pullPolicy=Never",
            "--set",
            "links.image.pullPolicy=Always",
        ),
    ],
)
def test_helm_test_pod_pulls_its_image_as_the_links_pods_do(
    render: Render, profile: str, values: tuple[str, ...]
) -> None:
    """The test pod runs links' image: pulled as links' pods pull it (a clone's images, loaded
    into a node with no registry, are found IfNotPresent; Always would pull from docker.io)."""
    objects = render(*PROFILES[profile], *values)
    (links,) = _containers(serving(objects)["hop-links"])
    (smoke,) = of_kind(objects, "Pod")["hop-smoke-test"]["spec"]["containers"]
    assert smoke["image"] == links["image"]
    assert smoke["imagePullPolicy"] == links["imagePullPolicy"]


def test_helm_test_pod_reaches_every_service(objects: list[Obj]) -> None:
    pod = of_kind(objects, "Pod")["hop-smoke-test"]
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    asked = pod["spec"]["containers"][0]["args"][1:]
    assert asked[0] == "hop-links"  # the first is also asked for links' API
    assert sorted(asked) == sorted(f"hop-{s}" for s in SERVICES)
    labels = pod["metadata"]["labels"]
    for name in (f"hop-{s}" for s in SERVICES):
        policy = of_kind(objects, "NetworkPolicy")[name]
        assert any(
            peer.get("podSelector", {}).get("matchLabels", {}).items() <= labels.items()
            and "namespaceSelector" not in peer
            and {p["port"] for p in rule["ports"]} == {"http", "management"}
            for rule in policy["spec"]["ingress"]
            for peer in rule["from"]
        ), name


def test_notes_print_url_and_first_key_commands(helm: Path) -> None:
    done = run_helm(helm, "install", "hop", str(CHARTS / "hop"), "-n", "hop", "--dry-run=client")
    assert done.returncode == 0, done.stderr
    notes = done.stdout.split("NOTES:", 1)[1]
    assert "URL: https://hop.example.com" in notes
    assert "exec deploy/hop-links -- hop-links keys create acme" in notes
    assert "helm test hop --namespace hop" in notes
