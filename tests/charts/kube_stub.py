"""A read-only stand-in for kube-apiserver: enough discovery and Secrets for helm's `lookup`.

No kube-apiserver runs on the build machines (DESIGN.md section 8), yet the pre-flight checks
only act where helm reaches a cluster. This serves the few GET endpoints helm's
`template --dry-run=server` reads (version, discovery, Secrets of one namespace) over real HTTP
on loopback, to a real helm process through a kubeconfig.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

VERSION = {"major": "1", "minor": "33", "gitVersion": "v1.33.0", "platform": "linux/amd64"}
# The kinds hop renders, by group version: helm maps every rendered object through discovery.
KINDS = {
    "v1": {
        "Secret": "secrets",
        "ConfigMap": "configmaps",
        "Service": "services",
        "ServiceAccount": "serviceaccounts",
        "Pod": "pods",
    },
    "apps/v1": {"Deployment": "deployments"},
    "batch/v1": {"Job": "jobs"},
    "policy/v1": {"PodDisruptionBudget": "poddisruptionbudgets"},
    "autoscaling/v2": {"HorizontalPodAutoscaler": "horizontalpodautoscalers"},
    "networking.k8s.io/v1": {"Ingress": "ingresses", "NetworkPolicy": "networkpolicies"},
}


def _resources(group_version: str) -> dict[str, Any]:
    resources = [
        {"name": plural, "singularName": "", "namespaced": True, "kind": kind, "verbs": ["get"]}
        for kind, plural in KINDS[group_version].items()
    ]
    return {"kind": "APIResourceList", "groupVersion": group_version, "resources": resources}


def _groups() -> dict[str, Any]:
    groups = []
    for group_version in (gv for gv in KINDS if "/" in gv):
        version = {"groupVersion": group_version, "version": group_version.split("/")[1]}
        name = group_version.split("/")[0]
        groups.append({"name": name, "versions": [version], "preferredVersion": version})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def _discovery() -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/version": VERSION,
        "/api": {"kind": "APIVersions", "versions": ["v1"]},
        "/apis": _groups(),
    }
    for group_version in KINDS:
        prefix = "/api/" if group_version == "v1" else "/apis/"
        paths[prefix + group_version] = _resources(group_version)
    return paths


@dataclass(slots=True)
class KubeStub:
    """Secrets by name (each a map of key -> base64 value) in one namespace."""

    namespace: str
    secrets: dict[str, dict[str, str]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def answer(self, path: str) -> tuple[int, Any]:
        """Return the status and body of a GET of ``path``."""
        self.requests.append(path)
        prefix = f"/api/v1/namespaces/{self.namespace}/secrets"
        fixed = {**_discovery(), prefix: self._list()}
        if path in fixed:
            return 200, fixed[path]
        name = path.removeprefix(prefix + "/")
        if path.startswith(prefix + "/") and name in self.secrets:
            return 200, self._secret(name)
        return 404, {"kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404}

    def _secret(self, name: str) -> dict[str, Any]:
        metadata = {"name": name, "namespace": self.namespace}
        return {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": metadata,
            "data": self.secrets[name],
        }

    def _list(self) -> dict[str, Any]:
        items = [self._secret(name) for name in sorted(self.secrets)]
        return {"apiVersion": "v1", "kind": "SecretList", "metadata": {}, "items": items}


def _handler(stub: KubeStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body = stub.answer(self.path.split("?", 1)[0])
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@contextmanager
def serving(stub: KubeStub, directory: Path) -> Iterator[Path]:
    """Serve ``stub`` on loopback; yield a kubeconfig pointing at it."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stub))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "stub", "cluster": {"server": url}}],
        "users": [{"name": "stub", "user": {"token": "stub"}}],
        "contexts": [{"name": "stub", "context": {"cluster": "stub", "user": "stub"}}],
        "current-context": "stub",
    }
    path = directory / "kubeconfig"
    path.write_text(json.dumps(config))
    try:
        yield path
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
