"""skaffold.yaml: one image per service, and the dev profile's target and sync rules per image.

The artifacts, the Helm release's image values and the dev profile's artifacts come from the
registry (no patch names an artifact by its position); the rest of the file (the observability
config, the other profiles) is ``skaffold.yaml.in`` beside this module: edit that, then run
``make generate``. The dev profile syncs each image's Python sources, and the files of its
package's ``templates/`` and ``static/`` folders where it has them (the console's pages).
"""

from __future__ import annotations

from pathlib import Path
from string import Template
from typing import Final

from hop_local.services import ROOT, Service

__all__ = ["CHARTS_IMAGE", "GENERATED_IN_CHARTS", "LIBRARY_CHART", "skaffold_yaml"]

TEMPLATE: Final = Path(__file__).with_name("skaffold.yaml.in")
#: Packages every image installs beside its service; the dev profile syncs their sources too.
SHARED: Final = ("instrumentation", "contracts")
#: The base images every artifact builds from (tools/build-images and bench use the same).
BUILD_ARGS: Final = {
    "BASE_IMAGE": "python:3.11-slim",
    "BUILD_IMAGE": "python:3.11-slim",
    "UV_IMAGE": "ghcr.io/astral-sh/uv:0.13.9",
}
#: The library chart every service chart vendors (charts/hop-service).
LIBRARY_CHART: Final = "hop-service"
#: The dev profile's artifact that makes `skaffold dev` watch the library and thin charts.
CHARTS_IMAGE: Final = "hop-charts"
#: What `helm dependency build` writes inside a chart: never a reason to redeploy.
GENERATED_IN_CHARTS: Final = (
    "*/charts",
    "*/charts/**",
    "*/tmpcharts",
    "*/tmpcharts/**",
    "*/Chart.lock",
)
#: A service package's folders of non-Python files the running app reads, and the files synced.
ASSET_FOLDERS: Final = {"templates": "*.html", "static": "*"}


def skaffold_yaml(services: tuple[Service, ...], root: Path = ROOT) -> str:
    """Return skaffold.yaml for ``services`` (their asset folders looked up under ``root``)."""
    return Template(TEMPLATE.read_text()).substitute(
        artifacts=_artifacts(services, root, indent="  ", target="runtime"),
        image_values="".join(_image_values(service) for service in services),
        dev_artifacts=_artifacts(services, root, indent="      ", target="dev")
        + _charts_artifact(services, indent="      "),
    )


def _artifacts(services: tuple[Service, ...], root: Path, *, indent: str, target: str) -> str:
    anchor = "registry-images" if target == "runtime" else "dev-registry-images"
    lines = [f"{indent}artifacts:"]
    for index, service in enumerate(services):
        lines += [
            f"{indent}  - image: {service.command}",
            f"{indent}    context: .",
            f"{indent}    docker:",
            f"{indent}      dockerfile: Dockerfile",
            f"{indent}      target: {target}",
        ]
        if index == 0:
            lines += [
                f"{indent}      buildArgs: &{anchor}",
                f"{indent}        SERVICE: {service.name}",
            ]
            lines += [f"{indent}        {key}: {value}" for key, value in BUILD_ARGS.items()]
        else:
            lines += [f"{indent}      buildArgs:", f"{indent}        <<: *{anchor}"]
            lines += [f"{indent}        SERVICE: {service.name}"]
        if target == "dev":
            lines += [f"{indent}    sync:", f"{indent}      manual:"]
            for source in _sync_sources(service, root):
                lines.append(f'{indent}        - {{src: "{source}", dest: /app}}')
    return "\n".join(lines) + "\n"


def _charts_artifact(services: tuple[Service, ...], *, indent: str) -> str:
    """The dev profile's watch on the charts skaffold's helm deployer does not watch.

    The deployer watches the release's chartPath (charts/hop) and its values files, not the
    charts it depends on by path: the library and the thin charts. This artifact's files are
    exactly those, so an edit there rebuilds it (k8s/build-charts-image: the charts on an
    empty base, run by no pod), and a rebuild redeploys the release. What the dependency
    builds write (a chart's ``charts/`` and ``Chart.lock``) is ignored, or every deploy would
    trigger the next.
    """
    charts = ", ".join([LIBRARY_CHART, *(service.name for service in services)])
    ignored = ", ".join(f'"{pattern}"' for pattern in GENERATED_IN_CHARTS)
    return (
        "\n".join(
            [
                f"{indent}  - image: {CHARTS_IMAGE}",
                f"{indent}    context: charts",
                f"{indent}    custom:",
                f"{indent}      buildCommand: ../k8s/build-charts-image",
                f"{indent}      dependencies:",
                f"{indent}        paths: [{charts}]",
                f"{indent}        ignore: [{ignored}]",
            ]
        )
        + "\n"
    )


def _sync_sources(service: Service, root: Path) -> list[str]:
    package = f"services/{service.name}/src/{service.package}"
    assets = [
        f"{package}/{folder}/{pattern}"
        for folder, pattern in ASSET_FOLDERS.items()
        if (root / package / folder).is_dir()
    ]
    shared = [f"services/{name}/src/**/*.py" for name in SHARED]
    return [f"services/{service.name}/src/**/*.py", *assets, *shared]


def _image_values(service: Service) -> str:
    variable = service.command.replace("-", "_")
    return (
        f'          {service.name}.image.repository: "{{{{.IMAGE_REPO_{variable}}}}}"\n'
        f'          {service.name}.image.tag: "{{{{.IMAGE_TAG_{variable}}}}}"\n'
    )
