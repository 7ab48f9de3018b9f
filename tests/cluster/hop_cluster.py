"""Reaching hop in a Kubernetes cluster: kubectl, helm, port-forwards and the Ingress.

Read from the environment the cluster workflow sets (.github/workflows/cluster.yml):
``HOP_CLUSTER_URL`` (the Ingress controller, e.g. ``http://127.0.0.1:8080``),
``HOP_CLUSTER_HOST`` (the Host header the Ingress routes, ``hop.localhost``),
``HOP_NAMESPACE`` and ``HOP_RELEASE`` (``hop``), ``HOP_OBSERVABILITY`` (``1`` when the
observability stack runs in the cluster), and optionally ``HOP_KUBECTL`` and
``HOP_HELM`` (default: ``.tools/bin`` of the checkout, then ``PATH``). Pod and rollout state
come from the Kubernetes API through the ``kubernetes`` client (the current kubeconfig context).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx
from hop_local.services import SERVICES
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from hop_instrumentation import testing

__all__ = ["ROOT", "SERVICES", "Cluster", "eventually", "from_environment"]

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]
_FORWARDING = re.compile(rb"Forwarding from 127\.0\.0\.1:(\d+)")


def _tool(variable: str, name: str) -> str:
    pinned = ROOT / ".tools" / "bin" / name
    found = os.environ.get(variable) or (str(pinned) if pinned.exists() else shutil.which(name))
    if not found:
        raise RuntimeError(f"{name} is missing: run k8s/install-tools or set {variable}")
    return found


@dataclass(frozen=True, slots=True)
class Cluster:
    """One hop release in one namespace, reached through the Ingress and kubectl."""

    url: str
    host: str
    namespace: str
    release: str
    kubectl: str
    helm: str

    @property
    def scheme(self) -> str:
        """``https`` when the release serves HTTPS only (the production profile), else ``http``."""
        return self.url.split("://", 1)[0]

    @property
    def public_base(self) -> str:
        """The base of ``short_url``: derived by the chart from global.host and global.https."""
        return f"{self.scheme}://{self.host}"

    def name(self, service: str) -> str:
        """The objects' name of a service (the chart's fullname)."""
        return f"{self.release}-{service}"

    def client(self) -> httpx.Client:
        """An HTTP client for the Ingress: the public host name, redirects not followed."""
        # The dev cluster's certificate is self-signed (k8s/cluster); TLS is what is under test,
        # not its chain. The SNI follows the URL's host, 127.0.0.1: Traefik answers with hop-tls
        # or its default certificate, either way over TLS.
        return httpx.Client(
            base_url=self.url, headers={"Host": self.host}, timeout=15.0, verify=False
        )

    def kubectl_run(self, *args: str, timeout: float = 180.0) -> subprocess.CompletedProcess[str]:
        """Run kubectl in the release's namespace; never raises on a failed command."""
        return subprocess.run(
            [self.kubectl, "--namespace", self.namespace, *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )

    def kubectl_ok(self, *args: str, timeout: float = 180.0) -> str:
        """Run kubectl, assert it succeeded and return its standard output."""
        done = self.kubectl_run(*args, timeout=timeout)
        assert done.returncode == 0, f"kubectl {' '.join(args)}: {done.stderr}"
        return done.stdout

    def helm_run(self, *args: str, timeout: float = 600.0) -> subprocess.CompletedProcess[str]:
        """Run helm on the release's namespace; never raises on a failed command."""
        return subprocess.run(
            [self.helm, "--namespace", self.namespace, *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )

    def exec_in(self, service: str, *command: str) -> str:
        """Run a command in a pod of ``service``'s Deployment; return its standard output."""
        return self.kubectl_ok("exec", f"deployment/{self.name(service)}", "--", *command)

    def running_pods(self, service: str) -> list[str]:
        """Names of the service's serving pods that are running and not terminating.

        A pod being deleted keeps phase Running until it exits; right after an upgrade or a
        scale-down it still answers for a while, so it carries a deletionTimestamp to skip.
        """
        selector = (
            f"app.kubernetes.io/name={service},app.kubernetes.io/instance={self.release},"
            "app.kubernetes.io/component=api"
        )
        pods = _core().list_namespaced_pod(self.namespace, label_selector=selector).items
        return sorted(
            pod.metadata.name
            for pod in pods
            if pod.status.phase == "Running" and pod.metadata.deletion_timestamp is None
        )

    def wait_for_rollout(self, service: str, *, timeout: float = 300.0) -> None:
        """Wait until the service's Deployment (or StatefulSet: redirect with a persistent
        spool) has rolled out: every replica updated and ready."""
        apps = k8s.AppsV1Api(_api_client())
        name = self.name(service)
        statefulsets = {
            d.metadata.name for d in apps.list_namespaced_stateful_set(self.namespace).items
        }
        read = (
            apps.read_namespaced_stateful_set
            if name in statefulsets
            else apps.read_namespaced_deployment
        )

        def rolled_out(workload: k8s.V1Deployment | k8s.V1StatefulSet) -> bool:
            status, wanted = workload.status, workload.spec.replicas or 0
            revisions = (
                getattr(status, "update_revision", None),
                getattr(status, "current_revision", None),
            )
            return (
                (status.observed_generation or 0) >= workload.metadata.generation
                and (status.updated_replicas or 0) == wanted
                and (status.ready_replicas or 0) == wanted
                and (status.replicas or 0) == wanted
                and revisions[0] == revisions[1]
            )

        eventually(lambda: read(name, self.namespace), rolled_out, timeout=timeout)

    @contextmanager
    def port_forward(
        self, target: str, port: int, *, namespace: str | None = None
    ) -> Iterator[str]:
        """Forward a free loopback port to ``target``'s ``port``; yield its base URL.

        The Popen context closes kubectl's stdout and stderr pipes after the process ends
        (an unclosed pipe is a ResourceWarning, an error under the test settings).
        """
        command = [
            self.kubectl,
            "--namespace",
            namespace or self.namespace,
            "port-forward",
            target,
            f":{port}",
        ]
        with subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        ) as forward:
            try:
                assert forward.stdout is not None
                line = forward.stdout.readline()
                match = _FORWARDING.search(line)
                assert match, f"port-forward {target}: {line!r}"
                yield f"http://127.0.0.1:{int(match.group(1))}"
            finally:
                forward.terminate()
                forward.wait(timeout=10)


def _api_client() -> k8s.ApiClient:
    """A client of the current kubeconfig context's API server."""
    return k8s_config.new_client_from_config()


def _core() -> k8s.CoreV1Api:
    return k8s.CoreV1Api(_api_client())


def from_environment() -> Cluster:
    """The cluster the environment names (see the module docstring)."""
    return Cluster(
        url=os.environ["HOP_CLUSTER_URL"].rstrip("/"),
        host=os.environ.get("HOP_CLUSTER_HOST", "hop.localhost"),
        namespace=os.environ.get("HOP_NAMESPACE", "hop"),
        release=os.environ.get("HOP_RELEASE", "hop"),
        kubectl=_tool("HOP_KUBECTL", "kubectl"),
        helm=_tool("HOP_HELM", "helm"),
    )


def eventually(fetch: Callable[[], T], done: Callable[[T], bool], *, timeout: float = 60.0) -> T:
    """Call ``fetch`` until ``done`` accepts its value, at a cluster's pace; return the value."""
    return testing.eventually(fetch, done, timeout=timeout, interval=0.5)
