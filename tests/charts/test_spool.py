"""redirect's click spool in the charts: on disk in every profile, persistent in production.

Production runs redirect as a StatefulSet whose volumeClaimTemplates give each pod, and the
pod that replaces it, one PersistentVolumeClaim; the budget the ConfigMap hands redirect is
derived from that claim's size, and redirect's own settings accept it. The dev profile keeps
the spool on an emptyDir on the node's disk and needs no PersistentVolume.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from hop_chart_helpers import CHARTS, PROFILES, Render, of_kind, serving, workloads

from hop_redirect.settings import RedirectSettings

Obj = dict[str, Any]
MIB = 2**20
SPOOL_PATH = "/var/lib/hop/spool"


def profile_spool(profile: str) -> Obj:
    """Return the redirect chart's spool values as the profile overrides them (dev: none)."""
    spool: Obj = yaml.safe_load((CHARTS / "redirect" / "values.yaml").read_text())["spool"]
    overrides = yaml.safe_load((CHARTS / "hop" / f"values-{profile}.yaml").read_text())
    found: Obj = (overrides.get("redirect") or {}).get("spool", {})
    persistent = {**spool["persistent"], **found.get("persistent", {})}
    return {**spool, **found, "persistent": persistent}


def spool_settings(objects: list[Obj]) -> dict[str, str]:
    data: dict[str, str] = of_kind(objects, "ConfigMap")["hop-redirect"]["data"]
    return {key: value for key, value in data.items() if key.startswith("HOP_CLICK_SPOOL_")}


def mounts_by_path(workload: Obj) -> dict[str, Obj]:
    """Return each mount path of the first container with the pod volume it mounts (or {})."""
    pod = workload["spec"]["template"]["spec"]
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    container = pod["containers"][0]
    return {m["mountPath"]: volumes.get(m["name"], {}) for m in container["volumeMounts"]}


def test_spool_production_is_a_statefulset_claim_whose_size_agrees_with_the_budget(
    render: Render,
) -> None:
    objects = render(*PROFILES["production"])
    spool = profile_spool("production")
    redirect = of_kind(objects, "StatefulSet")["hop-redirect"]
    assert "hop-redirect" not in of_kind(objects, "Deployment")
    (claim,) = redirect["spec"]["volumeClaimTemplates"]
    assert claim["metadata"]["name"] == "spool"
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    size = claim["spec"]["resources"]["requests"]["storage"]
    assert size == f"{spool['sizeMi']}Mi"
    settings = spool_settings(objects)
    budget = int(settings["HOP_CLICK_SPOOL_MAX_BYTES"])
    assert budget == spool["sizeMi"] * MIB * spool["budgetPercent"] // 100
    assert int(settings["HOP_CLICK_SPOOL_MAX_EVENTS"]) == budget // spool["eventBytes"]
    assert settings["HOP_CLICK_SPOOL_PERSISTENT"] == "true"
    parsed = RedirectSettings.model_validate(
        {key.removeprefix("HOP_").lower(): value for key, value in settings.items()}
    )
    assert parsed.click_spool_max_bytes == budget < spool["sizeMi"] * MIB
    assert str(parsed.spool_directory) == spool["path"]
    mounts = redirect["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
    assert {"name": "spool", "mountPath": spool["path"]} in mounts
    pod_volumes = {v["name"] for v in redirect["spec"]["template"]["spec"]["volumes"]}
    assert "spool" not in pod_volumes  # the claim, not a pod volume


def test_spool_production_statefulset_keeps_claims_and_is_what_hpa_and_pdb_target(
    render: Render,
) -> None:
    objects = render(*PROFILES["production"])
    redirect = of_kind(objects, "StatefulSet")["hop-redirect"]["spec"]
    assert redirect["persistentVolumeClaimRetentionPolicy"] == {
        "whenDeleted": "Retain",
        "whenScaled": "Retain",
    }
    assert redirect["updateStrategy"] == {"type": "RollingUpdate"}
    assert redirect["serviceName"] == "hop-redirect"
    assert "strategy" not in redirect
    target = of_kind(objects, "HorizontalPodAutoscaler")["hop-redirect"]["spec"]["scaleTargetRef"]
    assert target == {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "hop-redirect"}
    budget = of_kind(objects, "PodDisruptionBudget")["hop-redirect"]["spec"]
    assert budget["selector"] == redirect["selector"]
    assert budget["maxUnavailable"] == 1


def test_spool_dev_is_an_emptydir_on_disk_and_needs_no_claim(render: Render) -> None:
    objects = render(*PROFILES["dev"])
    spool = profile_spool("dev")
    assert not of_kind(objects, "StatefulSet")
    assert not of_kind(objects, "PersistentVolumeClaim")
    volume = mounts_by_path(serving(objects)["hop-redirect"])[spool["path"]]
    assert volume == {"name": "spool", "emptyDir": {"sizeLimit": f"{spool['sizeMi']}Mi"}}
    assert spool["persistent"]["enabled"] is False
    settings = spool_settings(objects)
    assert settings["HOP_CLICK_SPOOL_PERSISTENT"] == "false"
    assert int(settings["HOP_CLICK_SPOOL_MAX_BYTES"]) < spool["sizeMi"] * MIB


def test_spool_of_no_container_is_in_a_memory_backed_volume(objects: list[Obj]) -> None:
    for workload in workloads(objects):
        data = of_kind(objects, "ConfigMap").get(workload["metadata"]["name"], {}).get("data", {})
        directory = data.get("HOP_CLICK_SPOOL_DIR")
        if workload["metadata"]["name"] == "hop-redirect":
            assert directory is not None  # never the default, in the memory-backed /tmp
        if directory is None:
            continue
        volume = mounts_by_path(workload)[directory]
        assert volume.get("emptyDir", {}).get("medium") != "Memory"


def test_spool_budget_is_split_between_the_workers(render: Render) -> None:
    one = spool_settings(render(*PROFILES["production"]))
    two = spool_settings(render(*PROFILES["production"], "--set", "redirect.settings.workers=2"))
    assert int(two["HOP_CLICK_SPOOL_MAX_BYTES"]) == int(one["HOP_CLICK_SPOOL_MAX_BYTES"]) // 2


SPOOL_ROW = re.compile(
    r"^\| (?P<files>`values[^|]*?) \(`spool\.persistent\.enabled: (?:true|false)`, "
    r"`sizeMi: (?P<mi>\d+)`\) \| [^|]*? of (?P<gib>\d+) GiB[^|]*; "
    r"budget (?P<budget>[\d.]+) GiB, about (?P<millions>[\d.]+) million clicks \|",
    re.M,
)


def test_spool_sizes_in_the_chart_readme_are_the_rendered_ones(render: Render) -> None:
    """charts/README.md's spool table states each profile's size and budget as rendered."""
    rows = list(SPOOL_ROW.finditer((CHARTS / "README.md").read_text()))
    profiles = {
        re.sub(r"^values-?|\.yaml$", "", name) or "default": row
        for row in rows
        for name in re.findall(r"`(values[\w-]*\.yaml)`", row["files"])
    }
    assert set(profiles) == set(PROFILES)
    for profile, row in profiles.items():
        objects = render(*PROFILES[profile])
        redirect = {**of_kind(objects, "Deployment"), **of_kind(objects, "StatefulSet")}
        spec = redirect["hop-redirect"]["spec"]
        claims = spec.get("volumeClaimTemplates", [])
        if claims:
            size = claims[0]["spec"]["resources"]["requests"]["storage"]
        else:
            size = mounts_by_path(redirect["hop-redirect"])[SPOOL_PATH]["emptyDir"]["sizeLimit"]
        assert size == f"{row['mi']}Mi" == f"{int(row['gib']) * 1024}Mi", profile
        settings = spool_settings(objects)
        budget = int(settings["HOP_CLICK_SPOOL_MAX_BYTES"])
        assert f"{budget / 2**30:.1f}" == row["budget"], profile
        assert f"{int(settings['HOP_CLICK_SPOOL_MAX_EVENTS']) / 1e6:.1f}" == row["millions"]


def test_spool_orphaned_claim_alert_joins_the_claims_the_statefulset_makes(render: Render) -> None:
    """HopSpoolClaimOrphaned maps pod `<name>` to claim `spool-<name>`: the StatefulSet's names."""
    objects = render(*PROFILES["production"])
    statefulset = of_kind(objects, "StatefulSet")["hop-redirect"]
    assert statefulset["spec"]["persistentVolumeClaimRetentionPolicy"]["whenScaled"] == "Retain"
    (claim,) = statefulset["spec"]["volumeClaimTemplates"]
    pod = f"{statefulset['metadata']['name']}-2"  # an ordinal scaled away
    claim_name = f"{claim['metadata']['name']}-{pod}"  # what the StatefulSet controller names it
    (rules,) = of_kind(objects, "PrometheusRule").values()
    (alert,) = [
        rule
        for group in rules["spec"]["groups"]
        for rule in group["rules"]
        if rule.get("alert") == "HopSpoolClaimOrphaned"
    ]
    replacement, regex = re.search(
        r'"persistentvolumeclaim", "([^"]+)", "pod", "([^"]+)"', alert["expr"]
    ).groups()  # type: ignore[union-attr]
    assert re.sub(f"^{regex}$", replacement.replace("$1", r"\1"), pod) == claim_name
    for matcher in re.findall(r'persistentvolumeclaim=~"([^"]+)"', alert["expr"]):
        assert re.fullmatch(matcher, claim_name), matcher
