"""Values operators change that used to break or surprise (issue 23's numbered cases)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hop_chart_helpers import CHARTS, PROFILES, WITH_CRDS, Render, of_kind, run_helm, serving

Obj = dict[str, Any]
# Helm caps release names at 53 characters; 46-53 pushed "<release>-<service>-migrate" over 63.
LONG_RELEASES = ("r" * 46, "a-release-name-of-fifty-three-characters-for-hop-xyz")


def _pod_spec(objects: list[Obj], name: str = "hop-links") -> Obj:
    return dict(of_kind(objects, "Deployment")[name]["spec"]["template"]["spec"])


def _policy_rules(objects: list[Obj]) -> list[Obj]:
    rules: list[Obj] = []
    for policy in of_kind(objects, "NetworkPolicy").values():
        rules += policy["spec"].get("ingress") or []
        rules += policy["spec"].get("egress") or []
    return rules


@pytest.mark.parametrize(
    "setting",
    [
        "global.networkPolicy.prometheus=[]",
        "global.networkPolicy.database.to=[]",
        "global.networkPolicy.redis.to=[]",
        "global.networkPolicy.otlp.to=[]",
        "global.networkPolicy.dns.to=[]",
        "global.networkPolicy.ingressController=[]",
    ],
)
def test_empty_peer_list_opens_nothing(render: Render, setting: str) -> None:
    """`from: []` / `to: []` admit every peer, so an empty list renders no rule at all."""
    objects = render("--set-json", setting, *WITH_CRDS)
    for rule in _policy_rules(objects):
        peers = rule.get("from", rule.get("to"))
        assert peers, rule


def test_empty_database_peers_leave_the_migration_no_egress(render: Render) -> None:
    objects = render(
        "--set-json", "global.networkPolicy.database.to=[]",
        "--set-json", "global.networkPolicy.dns.to=[]",
    )  # fmt: skip
    policy = of_kind(objects, "NetworkPolicy")["hop-links-migrate"]
    assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert policy["spec"]["egress"] == []


def _render_release(helm: Path, release: str, *args: str) -> list[Obj]:
    done = run_helm(helm, "template", release, str(CHARTS / "hop"), "-n", "hop", *args)
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


@pytest.mark.parametrize("release", LONG_RELEASES)
def test_long_release_names_stay_within_63_characters(helm: Path, release: str) -> None:
    objects = _render_release(helm, release, *PROFILES["production"])
    keys = [(o["kind"], o["metadata"]["name"]) for o in objects]
    assert len(keys) == len(set(keys))
    for _, name in keys:
        assert len(name) <= 63, name
    jobs = of_kind(objects, "Job")
    assert len(jobs) == 2
    for job in jobs.values():
        spec = job["spec"]["template"]["spec"]
        assert spec["serviceAccountName"] in of_kind(objects, "ServiceAccount")
        assert job["metadata"]["name"].startswith(release[:40])


@pytest.mark.parametrize("release", LONG_RELEASES)
def test_long_release_names_fit_the_statefulset_its_pods_and_claims(
    helm: Path, release: str
) -> None:
    """redirect's StatefulSet (production's spool): its pods' labels and claims need 11 more."""
    objects = _render_release(helm, release, *PROFILES["production"])
    (statefulset,) = of_kind(objects, "StatefulSet").values()
    name = statefulset["metadata"]["name"]
    assert len(f"{name}-{'h' * 10}") <= 63  # the pods' controller-revision-hash label
    (hpa,) = [
        h["spec"]
        for h in of_kind(objects, "HorizontalPodAutoscaler").values()
        if h["spec"]["scaleTargetRef"]["kind"] == "StatefulSet"
    ]
    assert hpa["scaleTargetRef"]["name"] == name
    for claim in statefulset["spec"]["volumeClaimTemplates"]:
        last = f"{claim['metadata']['name']}-{name}-{hpa['maxReplicas'] - 1}"
        assert len(last) <= 63, last
    assert statefulset["spec"]["serviceName"] in of_kind(objects, "Service")


def test_long_release_names_keep_every_reference(helm: Path) -> None:
    release = LONG_RELEASES[1]
    objects = _render_release(helm, release, *WITH_CRDS)
    middlewares = set(of_kind(objects, "Middleware"))
    for ingress in of_kind(objects, "Ingress").values():
        chain = ingress["metadata"]["annotations"].get(
            "traefik.ingress.kubernetes.io/router.middlewares", ""
        )
        for ref in filter(None, chain.split(",")):
            assert ref.removeprefix("hop-").removesuffix("@kubernetescrd") in middlewares, ref
    services = set(of_kind(objects, "Service"))
    for ingress in of_kind(objects, "Ingress").values():
        for path in ingress["spec"]["rules"][0]["http"]["paths"]:
            assert path["backend"]["service"]["name"] in services


@pytest.mark.parametrize(
    ("interval", "timeout"), [("5s", "5s"), ("500ms", "500ms"), ("10s", "10s"), ("1m", "10s")]
)
def test_scrape_timeout_never_exceeds_the_interval(
    render: Render, interval: str, timeout: str
) -> None:
    objects = render("--set", f"global.serviceMonitor.interval={interval}", *WITH_CRDS)
    monitors = of_kind(objects, "ServiceMonitor").values()
    assert monitors
    for monitor in monitors:
        (endpoint,) = monitor["spec"]["endpoints"]
        assert (endpoint["interval"], endpoint["scrapeTimeout"]) == (interval, timeout)


def test_hpa_owns_the_replica_count(render: Render) -> None:
    """With the HPA on, a rendered spec.replicas would reset the HPA's count on every sync."""
    objects = render(*PROFILES["production"])
    hpas = of_kind(objects, "HorizontalPodAutoscaler")
    for name, deployment in serving(objects).items():  # redirect's StatefulSet too
        assert "replicas" not in deployment["spec"], name
        assert hpas[name]["spec"]["minReplicas"] == 3
    without = render("--set", "links.replicaCount=2")
    assert of_kind(without, "Deployment")["hop-links"]["spec"]["replicas"] == 2


@pytest.mark.parametrize("quantity", ["lots", "1 GB", "-1", "100mm"])
def test_bad_quantity_refused_at_render(helm: Path, quantity: str) -> None:
    for key in ("links.resources.requests.cpu", "redirect.resources.limits.memory"):
        done = run_helm(helm, "template", "hop", str(CHARTS / "hop"), "--set", f"{key}={quantity}")
        assert done.returncode != 0, key
        assert "resources/" in done.stderr, done.stderr


def test_good_quantities_render(render: Render) -> None:
    objects = render(
        "--set", "links.resources.requests.cpu=0.5",
        "--set", "links.resources.requests.memory=1.5Gi",
        "--set", "links.resources.limits.memory=1e9",
    )  # fmt: skip
    (container,) = _pod_spec(objects)["containers"]
    assert container["resources"]["requests"] == {"cpu": "0.5", "memory": "1.5Gi"}


def test_ids_left_to_the_cluster_when_unset(render: Render) -> None:
    """OpenShift's restricted SCC assigns its own UID, GID and fsGroup."""
    objects = render(
        "--set", "links.podSecurityContext.runAsUser=null",
        "--set", "links.podSecurityContext.runAsGroup=null",
        "--set", "links.podSecurityContext.fsGroup=null",
        "--set", "links.containerSecurityContext.runAsUser=null",
        "--set", "links.containerSecurityContext.runAsGroup=null",
    )  # fmt: skip
    spec = _pod_spec(objects)
    assert spec["securityContext"] == {
        "runAsNonRoot": True,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    for container in spec["containers"]:
        context = container["securityContext"]
        assert not {"runAsUser", "runAsGroup"} & set(context)
        assert context["readOnlyRootFilesystem"] is True
    job = of_kind(objects, "Job")["hop-links-migrate"]["spec"]["template"]["spec"]
    assert "fsGroup" not in job["securityContext"]
    assert _pod_spec(objects, "hop-redirect")["securityContext"]["runAsUser"] == 10001


def test_topology_keys_and_policy_are_values(render: Render) -> None:
    objects = render(
        "--set", "links.topologySpread.whenUnsatisfiable=DoNotSchedule",
        "--set-json", 'links.topologySpread.topologyKeys=["kubernetes.io/hostname"]',
    )  # fmt: skip
    (constraint,) = _pod_spec(objects)["topologySpreadConstraints"]
    assert constraint["topologyKey"] == "kubernetes.io/hostname"
    assert constraint["whenUnsatisfiable"] == "DoNotSchedule"
    default = _pod_spec(render(), "hop-redirect")["topologySpreadConstraints"]
    assert [c["topologyKey"] for c in default] == [
        "topology.kubernetes.io/zone",
        "kubernetes.io/hostname",
    ]
    none = render("--set-json", "links.topologySpread.topologyKeys=[]")
    assert "topologySpreadConstraints" not in _pod_spec(none)


def test_class_nginx_alone_gets_nginx_annotations_not_traefiks(render: Render) -> None:
    objects = render("--set", "exposure.ingress.className=nginx", *WITH_CRDS)
    ingresses = of_kind(objects, "Ingress")
    assert set(ingresses) == {"hop", "hop-batch"}
    for ingress in ingresses.values():
        annotations = ingress["metadata"]["annotations"]
        assert not [a for a in annotations if a.startswith("traefik.")], annotations
        assert annotations["nginx.ingress.kubernetes.io/proxy-body-size"]
        assert ingress["spec"]["ingressClassName"] == "nginx"
    assert "Middleware" not in {o["kind"] for o in objects}


@pytest.mark.parametrize("class_name", ["gce", "alb"])
def test_other_controllers_get_one_ingress_for_every_route(render: Render, class_name: str) -> None:
    """GKE and ALB make a load balancer per Ingress: a second one left :batch unreachable."""
    objects = render(
        "--set", f"exposure.ingress.className={class_name}",
        "--set", "exposure.ingress.traefik.enabled=false",
        *WITH_CRDS,
    )  # fmt: skip
    (ingress,) = of_kind(objects, "Ingress").values()
    paths = {p["path"] for p in ingress["spec"]["rules"][0]["http"]["paths"]}
    assert {"/api/v1/links", "/api/v1/links:batch", "/"} <= paths
    assert not ingress["metadata"].get("annotations")


@pytest.mark.parametrize("class_name", ["gce", "gce-internal", "alb"])
def test_gke_and_alb_classes_alone_get_one_ingress_without_traefiks_annotations(
    render: Render, class_name: str
) -> None:
    """className alone (traefik.enabled left at its default) is enough for these controllers."""
    objects = render("--set", f"exposure.ingress.className={class_name}", *WITH_CRDS)
    (ingress,) = of_kind(objects, "Ingress").values()
    paths = {p["path"] for p in ingress["spec"]["rules"][0]["http"]["paths"]}
    assert {"/api/v1/links", "/api/v1/links:batch", "/"} <= paths
    assert not ingress["metadata"].get("annotations")
    assert "Middleware" not in {o["kind"] for o in objects}


def _notes(helm: Path, *args: str) -> str:
    done = run_helm(
        helm, "install", "hop", str(CHARTS / "hop"), "-n", "hop", "--dry-run=client", *args
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split("NOTES:", 1)[1]


def test_notes_warn_about_shared_rate_limits_and_images_without_registry(helm: Path) -> None:
    notes = _notes(helm, "-f", str(CHARTS / "hop" / "values-production.yaml"))
    assert "WARNING: global.trustedProxies is empty" in notes
    assert (
        "WARNING: the images hop-links, hop-redirect, hop-analytics, hop-console name no" in notes
    )
    quiet = _notes(
        helm,
        "--set", "global.imageRegistry=registry.example.com/hop",
        "--set", "global.trustedProxies={10.244.0.0/16}",
    )  # fmt: skip
    assert "WARNING" not in quiet
    qualified = _notes(
        helm,
        *(a for s in ("links", "redirect", "analytics", "console")
          for a in ("--set", f"{s}.image.repository=ghcr.io/acme/hop-{s}")),
    )  # fmt: skip
    assert "WARNING: the images" not in qualified


def test_notes_say_a_single_redirect_replica_means_an_outage_on_pod_loss(helm: Path) -> None:
    assert "NOTE: redirect runs one replica" in _notes(helm)
    assert "NOTE: redirect runs one replica" not in _notes(helm, "--set", "redirect.replicaCount=2")
    production = _notes(helm, "-f", str(CHARTS / "hop" / "values-production.yaml"))
    assert "NOTE: redirect runs one replica" not in production


def test_umbrella_and_library_cut_long_names_alike() -> None:
    """hop.shortName repeats hop-service.shortName (the umbrella may not depend on a library)."""

    def body(path: Path) -> str:
        return path.read_text().split("-}}\n", 2)[2]

    library = CHARTS / "hop-service" / "templates" / "_hop-service.shortName.tpl"
    assert body(CHARTS / "hop" / "templates" / "_hop.shortName.tpl") == body(library)
