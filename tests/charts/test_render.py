"""helm lint, schema validation of every rendered object, checkov and the strict values schemas."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import chart_schemas
import jsonschema
import kubernetes_validate
import pytest
import yaml
from hop_chart_helpers import (
    CHARTS,
    LINT_PROFILES,
    PROFILES,
    SERVICES,
    WITH_CRDS,
    Render,
    find_uv,
    run_helm,
)

KUBERNETES_VERSION = "1.33.0"
CRD_SCHEMAS = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "servicemonitor-monitoring-v1.json",
    ("monitoring.coreos.com/v1", "PrometheusRule"): "prometheusrule-monitoring-v1.json",
    ("gateway.networking.k8s.io/v1", "HTTPRoute"): "httproute-gateway-v1.json",
    ("traefik.io/v1alpha1", "Middleware"): "middleware-traefik-v1alpha1.json",
}
SCHEMAS = Path(__file__).parent / "schemas"


@pytest.mark.parametrize("chart", ["hop", *SERVICES])
def test_lint_strict_every_profile_passes(helm: Path, chart: str, profile: str) -> None:
    args = LINT_PROFILES[profile] if chart == "hop" else ()
    done = run_helm(helm, "lint", "--strict", str(CHARTS / chart), *args)
    assert done.returncode == 0, done.stdout + done.stderr


def test_render_every_object_valid_for_kubernetes_strict(objects: list[dict[str, Any]]) -> None:
    for obj in objects:
        if (obj["apiVersion"], obj["kind"]) in CRD_SCHEMAS:
            continue
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)


def test_render_crd_objects_match_their_schemas(render: Render) -> None:
    rendered = render(*PROFILES["production"]) + render(
        "--set", "exposure.kind=httproute", *WITH_CRDS
    )
    seen = set()
    for obj in rendered:
        key = (obj["apiVersion"], obj["kind"])
        if key in CRD_SCHEMAS:
            schema = json.loads((SCHEMAS / CRD_SCHEMAS[key]).read_text())
            jsonschema.validate(obj, schema)
            seen.add(key)
    assert seen == set(CRD_SCHEMAS)


CHECKOV = "checkov==3.3.30"


# Session-scoped: pytest groups the tests by profile across modules, which would tear a
# module-scoped report down and run checkov again for each profile.
@pytest.fixture(scope="session")
def checkov_report(render: Render, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """checkov's report over every profile's render, one file per profile, in one run.

    One run, not one per profile: checkov takes about 20 s to start on a busy machine.
    """
    folder = tmp_path_factory.mktemp("checkov")
    files = []
    for profile, args in sorted(PROFILES.items()):
        manifest = folder / f"{profile}.yaml"
        manifest.write_text(yaml.safe_dump_all(render(*args)))
        files += ["--file", str(manifest)]
    # checkov pins its own dependencies (older pytest, packaging), so it runs as a uv
    # tool in an environment of its own.
    uv = find_uv()
    assert uv, "run `make install` (or the tests through `uv run`) so checkov can be installed"
    config = str(Path(__file__).parent / "checkov.yaml")
    done = subprocess.run(
        [uv, "tool", "run", "--from", CHECKOV, "checkov", "--config-file", config, *files,
         "--output", "json"],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def test_checkov_rendered_profile_zero_failed_checks(
    checkov_report: dict[str, Any], profile: str
) -> None:
    def of_profile(kind: str) -> list[dict[str, Any]]:
        checks = checkov_report["results"][kind]
        return [c for c in checks if Path(c["file_path"]).name == f"{profile}.yaml"]

    failed = [(c["check_id"], c["resource"]) for c in of_profile("failed_checks")]
    assert failed == []
    assert len(of_profile("passed_checks")) > 100


def test_thin_chart_schemas_equal_generator_output() -> None:
    for name in SERVICES:
        committed = (CHARTS / name / "values.schema.json").read_text()
        assert committed == chart_schemas.render(name), f"run tools/chart_schemas.py ({name})"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--set", "links.replicas=3"), "additional properties 'replicas' not allowed"),
        (("--set", "redirect.settings.logLevl=DEBUG"), "additional properties 'logLevl'"),
        (("--set", "analytics.image.pullPolicy=Sometimes"), "/image/pullPolicy"),
        (("--set", "hosst=x"), "additional properties 'hosst' not allowed"),
        (("--set", "host=x"), "additional properties 'host' not allowed"),
        (("--set", "global.host=Not_A_Host"), "/global/host"),
        (
            ("--set", "exposure.tls.secretName="),
            "exposure.tls.secretName is required when global.https",
        ),
        (("--set", "exposure.tls.issuerKind=Foo"), "/exposure/tls/issuerKind"),
        (("--set", "exposure.kind=httproute"), "exposure.kind=httproute needs the Gateway API"),
        (("--set", "exposure.gateway.timeouts.request=soon"), "/exposure/gateway/timeouts/request"),
        (
            ("--set", "links.autoscaling.enabled=true", "--set", "links.autoscaling.minReplicas=9"),
            "autoscaling.minReplicas (9) must not exceed autoscaling.maxReplicas (6)",
        ),
        (("--set", "links.nameOverride=x"), "additional properties 'nameOverride' not allowed"),
        (("--set", "links.component=x"), "additional properties 'component' not allowed"),
        (("--set", "links.settings.publicBaseUrl=ftp://x"), "/settings/publicBaseUrl"),
        (("--set", "links.settings.databasePoolSize=0"), "/settings/databasePoolSize"),
        (("--set", "links.env.BAD-NAME=x"), "'BAD-NAME' does not match pattern"),
        (("--set", "links.env.X.value=x"), "/env/X"),
        (("--set", "links.sidecars.proxy.args={a}"), "missing property 'image'"),
        (
            ("--set", "links.extraVolumeMounts.data.mountPath=/data"),
            "extraVolumeMounts.data names no volume: add extraVolumes.data",
        ),
        (("--set", "links.migration.resources.requests.gpu=1"), "additional properties 'gpu'"),
        (("--set", "exposure.kind=loadbalancer"), "/exposure/kind"),
        (
            ("--set", "links.shutdown.terminationGracePeriodSeconds=20"),
            "shutdown.terminationGracePeriodSeconds (20) must exceed",
        ),
        (("--set", "links.secrets.database.name="), "/secrets/database/name"),
        (("--set", "routes./x=nowhere"), "/routes/~1x"),
        (("--set", "global.limits.maxBodyBytes=10"), "/global/limits/maxBodyBytes"),
        (("--set", "global.trustedProxies={everyone}"), "/global/trustedProxies/0"),
        (
            ("--set", "exposure.ingress.nginx.enabled=true"),
            "exposure.ingress.traefik.enabled and exposure.ingress.nginx.enabled are both true",
        ),
        (
            (
                "--set-string",
                "exposure.ingress.annotations.nginx\\.ingress\\.kubernetes\\.io/proxy-body-size=1m",
            ),
            "proxy-body-size: set global.limits instead",
        ),
        (("--set", "links.env.HOP_MAX_BODY_BYTES=1"), "env.HOP_MAX_BODY_BYTES: set global.limits"),
    ],
)
def test_render_bad_value_fails_naming_the_key(
    helm: Path, args: tuple[str, ...], message: str
) -> None:
    done = run_helm(helm, "template", "hop", str(CHARTS / "hop"), "-n", "hop", *args)
    assert done.returncode != 0
    assert message in done.stderr
