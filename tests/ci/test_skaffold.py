"""skaffold.yaml: valid for its published schema, and everything it names exists and renders."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from hop_chart_helpers import CHARTS, ROOT, SERVICES, WITH_CRDS, install_helm, run_helm

SKAFFOLD = ROOT / "skaffold.yaml"
SCHEMA = Path(__file__).parent / "schemas" / "skaffold-v4beta14.json"
KUBERNETES_VERSION = "1.33.0"
STAGE = re.compile(r"^FROM\s+\S+\s+AS\s+(\S+)", re.M | re.I)


def _configs() -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in yaml.safe_load_all(SKAFFOLD.read_text())}


def _hop() -> dict[str, Any]:
    return _configs()["hop"]


def _profile(name: str, config: str = "hop") -> dict[str, Any]:
    (profile,) = [p for p in _configs()[config]["profiles"] if p["name"] == name]
    return dict(profile)


def _patched(profile: str) -> dict[str, Any]:
    """The hop config with one profile's build and JSON patches applied (skaffold's semantics)."""
    config = json.loads(json.dumps(_hop()))
    config["build"] = {**config["build"], **_profile(profile).get("build", {})}
    for patch in _profile(profile).get("patches", []):
        *parents, last = patch["path"].strip("/").split("/")
        node: Any = config
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if isinstance(node, list):
            if last == "-":
                node.append(patch["value"])
            elif patch["op"] == "add":
                node.insert(int(last), patch["value"])
            else:
                node[int(last)] = patch["value"]
        else:
            node[last] = patch["value"]
    return dict(config)


def _dev_images() -> list[dict[str, Any]]:
    """The dev profile's service images (without the charts' watch, hop-charts)."""
    return [a for a in _patched("dev")["build"]["artifacts"] if "docker" in a]


def test_skaffold_every_document_valid_for_the_published_schema(tmp_path: Path) -> None:
    checker = Path(sys.executable).parent / "check-jsonschema"
    for name, config in _configs().items():
        assert config["apiVersion"] == "skaffold/v4beta14"
        document = tmp_path / f"{name}.yaml"
        document.write_text(yaml.safe_dump(config))
        done = subprocess.run(
            [str(checker), "--schemafile", str(SCHEMA), str(document)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_skaffold_header_says_helm_4_needs_skaffold_2_19() -> None:
    assert "skaffold >= 2.19" in SKAFFOLD.read_text().split("apiVersion:", 1)[0]
    assert 'skaffold_version="v2.19.' in (ROOT / "k8s" / "install-tools").read_text()


def test_artifacts_one_per_service_from_the_root_dockerfile() -> None:
    stages = set(STAGE.findall((ROOT / "Dockerfile").read_text()))
    artifacts = _hop()["build"]["artifacts"]
    services = []
    for artifact in artifacts:
        docker = artifact["docker"]
        assert (ROOT / artifact["context"] / docker["dockerfile"]) == ROOT / "Dockerfile"
        assert docker["target"] in stages
        service = docker["buildArgs"]["SERVICE"]
        assert (ROOT / "services" / service / "pyproject.toml").is_file()
        values = yaml.safe_load((CHARTS / service / "values.yaml").read_text())
        assert artifact["image"] == values["image"]["repository"] == f"hop-{service}"
        services.append(service)
    assert services == list(SERVICES)
    for artifact in _dev_images():
        assert artifact["docker"]["target"] == "dev" in stages


def test_set_value_templates_name_the_artifacts_images() -> None:
    (release,) = _hop()["deploy"]["helm"]["releases"]
    images = {a["image"].replace("-", "_") for a in _hop()["build"]["artifacts"]}
    templates = release["setValueTemplates"]
    for service in SERVICES:
        image = f"hop_{service}"
        assert image in images
        assert templates[f"{service}.image.repository"] == f"{{{{.IMAGE_REPO_{image}}}}}"
        assert templates[f"{service}.image.tag"] == f"{{{{.IMAGE_TAG_{image}}}}}"


def test_dev_sync_paths_match_files_and_land_in_the_dev_images_source() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    dev_stage = dockerfile.split("AS dev", 1)[1].split("\nFROM ", 1)[0]
    assert 'ENTRYPOINT ["hop-service-reload"]' in dev_stage
    assert 'CMD ["serve"]' in dev_stage
    for artifact in _dev_images():
        service = artifact["docker"]["buildArgs"]["SERVICE"]
        sources = [rule["src"] for rule in artifact["sync"]["manual"]]
        assert f"services/{service}/src/**/*.py" in sources
        for rule in artifact["sync"]["manual"]:
            assert list(ROOT.glob(rule["src"])), rule["src"]
            assert rule["dest"] == "/app"  # + the repository path: /app/services/<member>/src/...
    sync_values = yaml.safe_load((ROOT / "k8s" / "values-sync.yaml").read_text())
    assert sync_values == {"global": {"serviceDefaults": {"devSync": {"enabled": True}}}}


def test_dependency_hook_vendors_the_library_into_every_service_chart(tmp_path: Path) -> None:
    (hook,) = _hop()["deploy"]["helm"]["hooks"]["before"]
    helm = install_helm()
    shutil.copytree(CHARTS, tmp_path / "charts", ignore=shutil.ignore_patterns("charts"))
    env = {**os.environ, "PATH": f"{helm.parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        hook["host"]["command"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    for service in SERVICES:
        assert list((tmp_path / "charts" / service / "charts").glob("hop-service-*.tgz")), service
    assert not (tmp_path / "charts" / "hop" / "charts").exists()  # skaffold's own build does it


def _release_render(helm: Path, release: dict[str, Any]) -> list[dict[str, Any]]:
    args: list[str] = []
    for values in release.get("valuesFiles", []):
        assert (ROOT / values).is_file(), values
        args += ["-f", str(ROOT / values)]
    for key, template in release.get("setValueTemplates", {}).items():
        fake = "hop-x" if "repository" in key else "0123abcd"
        assert template.startswith("{{.IMAGE_")
        args += ["--set", f"{key}={fake}"]
    for key, value in release.get("setValues", {}).items():
        args += ["--set", f"{key}={value}"]
    chart = ROOT / release["chartPath"]
    done = run_helm(
        helm, "template", release["name"], str(chart), "-n", release["namespace"], *args, *WITH_CRDS
    )
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


@pytest.mark.parametrize("profile", ["", "dev", "observability", "production", "httproute"])
def test_hop_release_of_every_profile_renders_valid_objects(profile: str) -> None:
    helm = install_helm()
    config = _patched(profile) if profile else _hop()
    (release,) = [r for r in config["deploy"]["helm"]["releases"] if r["name"] == "hop"]
    assert (ROOT / release["chartPath"]) == CHARTS / "hop"
    objects = _release_render(helm, release)
    for obj in objects:
        if obj["apiVersion"].startswith(("monitoring.", "gateway.", "traefik.")):
            continue
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    images = {
        c["image"]
        for o in objects
        if o["kind"] in {"Deployment", "Job"}
        for c in o["spec"]["template"]["spec"]["containers"]
    }
    assert images == {"hop-x:0123abcd"}
    if profile == "dev":
        for deployment in (o for o in objects if o["kind"] == "Deployment"):
            pod = deployment["spec"]["template"]["spec"]
            assert [c["name"] for c in pod["initContainers"]] == ["copy-source"]
            mounts = {m["mountPath"] for m in pod["containers"][0]["volumeMounts"]}
            assert "/app/services" in mounts
            assert pod["containers"][0]["args"] == ["serve"]


def test_observability_profile_pins_every_remote_chart_with_values_in_k8s() -> None:
    releases = _profile("observability", "observability")["deploy"]["helm"]["releases"]
    assert [r["name"] for r in releases] == [
        "kube-prometheus-stack",
        "tempo",
        "opentelemetry-collector",
    ]
    for release in releases:
        assert re.fullmatch(r"\d+\.\d+\.\d+", release["version"]), release["name"]
        assert release["repo"].startswith("https://")
        assert release["namespace"] == "monitoring"
        for values in release["valuesFiles"]:
            assert (ROOT / values).is_file()
    names = list(_configs())
    assert names.index("observability") < names.index("hop")  # the stack deploys first


def test_load_profile_manifests_and_hook_exist() -> None:
    load = _profile("load")
    for manifest in load["manifests"]["rawYaml"]:
        for obj in yaml.safe_load_all((ROOT / manifest).read_text()):
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    (hook,) = load["deploy"]["kubectl"]["hooks"]["before"]
    script = ROOT / hook["host"]["command"][0]
    assert script.is_file()
    assert script.stat().st_mode & 0o111
    assert "load/locustfile.py" in script.read_text()


def test_port_forwards_name_services_that_exist() -> None:
    forwards = {(f["namespace"], f["resourceName"]): f for f in _profile("dev")["portForward"]}
    traefik = next(
        o
        for o in yaml.safe_load_all((ROOT / "k8s" / "traefik.yaml").read_text())
        if o["kind"] == "Service"
    )
    assert forwards[("traefik", "traefik")]["port"] in {p["port"] for p in traefik["spec"]["ports"]}
    grafana = _profile("observability")["portForward"]
    assert [(f["namespace"], f["resourceName"]) for f in grafana] == [
        ("monitoring", "kube-prometheus-stack-grafana")
    ]
    load = _profile("load")["portForward"][0]
    assert load["resourceName"] == "locust-master"


def _path_dependencies(chart: Path) -> set[Path]:
    """The charts ``chart`` depends on by path (``file://``), and theirs, recursively."""
    found: set[Path] = set()
    for dependency in yaml.safe_load((chart / "Chart.yaml").read_text()).get("dependencies", []):
        repository = dependency.get("repository", "")
        if repository.startswith("file://"):
            path = (chart / repository.removeprefix("file://")).resolve()
            found |= {path, *_path_dependencies(path)}
    return found


def _charts_watch() -> tuple[Path, dict[str, Any]]:
    """The dev profile's charts artifact: its context and its custom dependencies."""
    (artifact,) = [a for a in _patched("dev")["build"]["artifacts"] if "custom" in a]
    return ROOT / artifact["context"], artifact["custom"]["dependencies"]


def _ignored(relative: str, patterns: list[str]) -> bool:
    """Whether skaffold's watcher ignores ``relative`` (a pattern also covers what is under it)."""
    parts = relative.split("/")
    prefixes = ["/".join(parts[:end]) for end in range(1, len(parts) + 1)]
    return any(fnmatch.fnmatchcase(prefix, p) for p in patterns for prefix in prefixes)


def test_skaffold_dev_watches_every_chart_the_release_is_built_from(tmp_path: Path) -> None:
    """An edit under charts/hop-service or a thin chart redeploys, as one under charts/hop does.

    skaffold's helm deployer watches the release's chartPath and values files only; the
    charts artifact of the dev profile watches every chart the release depends on by path,
    but none of the files the dependency builds write (which would redeploy forever).
    """
    (release,) = _hop()["deploy"]["helm"]["releases"]
    umbrella = ROOT / release["chartPath"]
    context, dependencies = _charts_watch()
    roots = {(context / path).resolve() for path in dependencies["paths"]}
    assert _path_dependencies(umbrella) == roots  # charts/hop-service and every thin chart
    assert {root.name for root in roots} == {"hop-service", *SERVICES}
    tracked = subprocess.run(
        ["git", "ls-files", "charts"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    sources = [
        ROOT / path for path in tracked if any(root in (ROOT / path).parents for root in roots)
    ]
    assert any("templates" in path.parts for path in sources)
    for source in sources:
        assert not _ignored(source.relative_to(context).as_posix(), dependencies["ignore"]), source
    # What the before-hook and skaffold's own `helm dependency build charts/hop` write.
    helm = install_helm()
    charts = tmp_path / "charts"
    shutil.copytree(CHARTS, charts, ignore=shutil.ignore_patterns("charts", "Chart.lock"))
    (hook,) = _hop()["deploy"]["helm"]["hooks"]["before"]
    env = {**os.environ, "PATH": f"{helm.parent}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run(hook["host"]["command"], cwd=tmp_path, env=env, check=True, capture_output=True)
    run_helm(helm, "dependency", "build", str(charts / "hop")).check_returncode()
    copied = {tmp_path / path for path in tracked}
    written = [p for p in charts.rglob("*") if p.is_file() and p not in copied]
    assert any(p.suffix == ".tgz" for p in written)
    for path in written:
        assert _ignored(path.relative_to(charts).as_posix(), dependencies["ignore"]), path


@pytest.mark.process
def test_charts_image_builds_from_the_charts_alone() -> None:
    """The charts artifact's build (k8s/build-charts-image) needs nothing but the charts."""
    subprocess.run([str(ROOT / "tools" / "ensure-docker")], check=True, capture_output=True)
    context, _ = _charts_watch()
    (artifact,) = [a for a in _patched("dev")["build"]["artifacts"] if "custom" in a]
    image = f"hop-charts-test:{uuid.uuid4().hex[:12]}"
    command = (context / artifact["custom"]["buildCommand"]).resolve()
    assert command == ROOT / "k8s" / "build-charts-image"
    env = {**os.environ, "IMAGE": image, "PUSH_IMAGE": "false"}
    try:
        done = subprocess.run(
            ["sh", "-c", artifact["custom"]["buildCommand"]],
            cwd=context,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        listing = subprocess.run(
            ["docker", "image", "inspect", "--format", "{{.Id}}", image],
            capture_output=True,
            text=True,
            check=False,
        )
        assert listing.returncode == 0, listing.stderr
    finally:
        subprocess.run(
            ["docker", "image", "rm", "--force", image], capture_output=True, check=False
        )
