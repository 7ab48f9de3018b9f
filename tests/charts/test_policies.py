"""Every hardening item of the charts, asserted for every workload in every profile."""

from __future__ import annotations

from typing import Any

from hop_chart_helpers import SERVICES, of_kind, serving, workloads
from hop_local.services import ALL, PORT_NAMES, callers_of

Obj = dict[str, Any]


def _pod(workload: Obj) -> Obj:
    return dict(workload["spec"]["template"]["spec"])


def test_workload_pods_non_root_seccomp_no_token(objects: list[Obj]) -> None:
    for workload in workloads(objects):
        pod = _pod(workload)
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] == 10001
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert pod["automountServiceAccountToken"] is False


def test_workload_containers_read_only_drop_all_resources(objects: list[Obj]) -> None:
    for workload in workloads(objects):
        for container in _pod(workload)["containers"]:
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True
            assert context["allowPrivilegeEscalation"] is False
            assert context["capabilities"] == {"drop": ["ALL"]}
            assert context["runAsUser"] == 10001
            assert set(container["resources"]) == {"requests", "limits"}
            assert {"cpu", "memory"} <= set(container["resources"]["limits"])
            # Secrets are files under HOP_SECRETS_DIR, never environment variables.
            env = container.get("env", [])
            assert all("secretKeyRef" not in e.get("valueFrom", {}) for e in env)


def test_workload_tmp_is_an_emptydir(objects: list[Obj]) -> None:
    for workload in workloads(objects):
        volumes = {v["name"]: v for v in _pod(workload)["volumes"]}
        mounts = {
            m["mountPath"]: m["name"] for m in _pod(workload)["containers"][0]["volumeMounts"]
        }
        assert "emptyDir" in volumes[mounts["/tmp"]]


def test_deployments_probes_prestop_grace_checksum(objects: list[Obj]) -> None:
    deployments = serving(objects)
    assert len(deployments) == len(SERVICES)
    configmaps = of_kind(objects, "ConfigMap")
    for name, deployment in deployments.items():
        pod = _pod(deployment)
        container = pod["containers"][0]
        for probe, path in (
            ("startup", "/livez"),
            ("liveness", "/livez"),
            ("readiness", "/readyz"),
        ):
            assert container[f"{probe}Probe"]["httpGet"] == {"path": path, "port": "management"}
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert ports == {"http": 8000, "internal": 8001, "management": 9000}
        pre_stop = container["lifecycle"]["preStop"]["sleep"]["seconds"]
        env = configmaps[name]["data"]
        budget = pre_stop + float(env["HOP_SHUTDOWN_DELAY"]) + float(env["HOP_DRAIN_TIMEOUT"]) + 5
        assert pod["terminationGracePeriodSeconds"] > budget
        assert "checksum/config" in deployment["spec"]["template"]["metadata"]["annotations"]


def test_services_expose_http_internal_and_management(objects: list[Obj]) -> None:
    for service in of_kind(objects, "Service").values():
        assert {p["name"]: p["port"] for p in service["spec"]["ports"]} == {
            "http": 8000,
            "internal": 8001,
            "management": 9000,
        }


def test_service_accounts_never_mount_tokens(objects: list[Obj]) -> None:
    accounts = of_kind(objects, "ServiceAccount")
    assert accounts
    assert all(a["automountServiceAccountToken"] is False for a in accounts.values())


def test_every_workload_has_its_networkpolicy(objects: list[Obj]) -> None:
    deployments = set(serving(objects))
    jobs = set(of_kind(objects, "Job"))
    pods = set(of_kind(objects, "Pod"))  # the `helm test` pod
    assert set(of_kind(objects, "ServiceMonitor")) == deployments
    assert set(of_kind(objects, "NetworkPolicy")) == deployments | jobs | pods


def test_pod_selectors_never_match_migration_pods(objects: list[Obj]) -> None:
    # A migration pod selected by its service would receive traffic, count for the PDB
    # and be picked by `kubectl exec deploy/...` while the hook runs.
    jobs = of_kind(objects, "Job")
    assert jobs
    job_labels = [job["spec"]["template"]["metadata"]["labels"] for job in jobs.values()]
    selectors = [s["spec"]["selector"] for s in of_kind(objects, "Service").values()]
    selectors += [d["spec"]["selector"]["matchLabels"] for d in serving(objects).values()]
    selectors += [
        p["spec"]["selector"]["matchLabels"]
        for p in of_kind(objects, "PodDisruptionBudget").values()
    ]
    for selector in selectors:
        for labels in job_labels:
            assert not selector.items() <= labels.items(), (selector, labels)


def test_migration_policy_allows_only_dns_and_the_database(objects: list[Obj]) -> None:
    for name, job in of_kind(objects, "Job").items():
        policy = of_kind(objects, "NetworkPolicy")[name]
        labels = job["spec"]["template"]["metadata"]["labels"]
        assert policy["spec"]["podSelector"]["matchLabels"].items() <= labels.items()
        assert policy["metadata"]["annotations"]["helm.sh/hook-weight"] == "-10"
        assert "ingress" not in policy["spec"]
        ports = {port["port"] for rule in policy["spec"]["egress"] for port in rule["ports"]}
        assert ports == {53, 5432}


def test_networkpolicies_open_exactly_the_call_graph(objects: list[Obj]) -> None:
    policies = of_kind(objects, "NetworkPolicy")
    callers = {
        "links": {
            ("analytics", "http"),
            ("analytics", "internal"),
            ("console", "http"),
            ("console", "internal"),
            ("redirect", "internal"),
        },
        "analytics": {("console", "http"), ("redirect", "internal")},
        "redirect": set(),
        "console": set(),
    }  # the documented graph; every service's, new ones too, is what the registry derives
    derived = {
        s.name: {(caller, port) for port in PORT_NAMES for caller in callers_of(s.name, port)}
        for s in ALL
    }
    assert {name: derived[name] for name in callers} == callers
    for service, expected in derived.items():
        spec = policies[f"hop-{service}"]["spec"]
        assert spec["policyTypes"] == ["Ingress", "Egress"]
        peers = {
            (peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"], port["port"])
            for rule in spec["ingress"]
            for peer in rule["from"]
            for port in rule["ports"]
            if "namespaceSelector" not in peer
            and peer["podSelector"]["matchLabels"].get("app.kubernetes.io/component") == "api"
        }
        assert peers == expected
        outside = [r for r in spec["ingress"] if any("namespaceSelector" in p for p in r["from"])]
        assert all(p["port"] != "internal" for rule in outside for p in rule["ports"])


def test_pull_policy_if_not_present_for_tagged_images(objects: list[Obj]) -> None:
    """A tag names one image: Always made a node ask the registry for an image it had loaded.

    Every profile: dev's images come from the local registry, production's are tagged (issue 23,
    item 1), and the library's default is IfNotPresent too.
    """
    for workload in workloads(objects):
        container = _pod(workload)["containers"][0]
        assert ":" in container["image"].rsplit("/", 1)[-1]
        assert container["imagePullPolicy"] == "IfNotPresent"


def test_production_scales_spreads_and_budgets(render: Any) -> None:
    from hop_chart_helpers import PROFILES

    objects = render(*PROFILES["production"])
    assert set(of_kind(objects, "HorizontalPodAutoscaler")) == set(serving(objects))
    assert set(of_kind(objects, "PodDisruptionBudget")) == set(serving(objects))
    for deployment in serving(objects).values():
        spread = _pod(deployment)["topologySpreadConstraints"]
        assert {c["topologyKey"] for c in spread} == {
            "topology.kubernetes.io/zone",
            "kubernetes.io/hostname",
        }
    settings = of_kind(objects, "ConfigMap")  # the dashboards' ConfigMaps are no settings
    for name in serving(objects):
        assert settings[name]["data"]["HOP_TRACE_SAMPLE_RATIO"] == "0.01"


def test_migration_jobs_are_pre_install_hooks_for_links_and_analytics(objects: list[Obj]) -> None:
    jobs = of_kind(objects, "Job")
    assert set(jobs) == {"hop-links-migrate", "hop-analytics-migrate"}
    for job in jobs.values():
        assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
        assert _pod(job)["containers"][0]["args"] == ["migrate"]


def _egress_ports(objects: list[Obj], name: str) -> set[tuple[int, str]]:
    spec = of_kind(objects, "NetworkPolicy")[name]["spec"]
    return {(port["port"], port["protocol"]) for rule in spec["egress"] for port in rule["ports"]}


def _outside_rules(objects: list[Obj], name: str) -> list[Obj]:
    spec = of_kind(objects, "NetworkPolicy")[name]["spec"]
    return [rule for rule in spec["egress"] if any("ipBlock" in peer for peer in rule["to"])]


def test_links_egress_outside_the_cluster_only_while_verification_is_on(render: Any) -> None:
    off = render()
    on = render("--set", "links.settings.verificationEnabled=true")
    outside = {(53, "UDP"), (53, "TCP"), (80, "TCP"), (443, "TCP")}
    assert _outside_rules(off, "hop-links") == []
    assert of_kind(off, "ConfigMap")["hop-links"]["data"]["HOP_VERIFICATION_ENABLED"] == "false"
    assert of_kind(on, "ConfigMap")["hop-links"]["data"]["HOP_VERIFICATION_ENABLED"] == "true"
    rules = _outside_rules(on, "hop-links")
    assert {(p["port"], p["protocol"]) for rule in rules for p in rule["ports"]} == outside
    for rule in rules:  # never the cluster's own ranges, nor a cloud's metadata address
        (peer,) = rule["to"]
        assert peer["ipBlock"]["cidr"] == "0.0.0.0/0"
        assert {"10.0.0.0/8", "169.254.0.0/16"} <= set(peer["ipBlock"]["except"])
    assert _egress_ports(on, "hop-links") - _egress_ports(off, "hop-links") == outside - {
        (53, "UDP"),
        (53, "TCP"),
    }  # 53 was already open, to cluster DNS only
    # The other services never get it, whatever links' setting.
    for service in ("redirect", "analytics", "console"):
        assert _outside_rules(on, f"hop-{service}") == []
