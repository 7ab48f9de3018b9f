"""Pre-flight: a real install fails at once naming a missing Secret (stub API on loopback)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from hop_chart_helpers import CHARTS, run_helm
from kube_stub import KubeStub, serving

VALUE = base64.b64encode(b"postgresql://hop@postgres/hop").decode()
# The Secrets charts/README.md's first try creates, with their keys.
SECRETS = {
    "hop-links-database": {"url": VALUE},
    "hop-analytics-database": {"url": VALUE},
    "hop-redis": {"url": VALUE},
    "hop-console-session": {"secret": VALUE},
    "hop-tls": {"tls.crt": VALUE, "tls.key": VALUE},
}


def _install(helm: Path, tmp_path: Path, secrets: dict[str, dict[str, str]], *args: str) -> str:
    """Render as `helm install` does against the stub cluster; return helm's error ("" if none)."""
    stub = KubeStub("hop", secrets)
    with serving(stub, tmp_path) as kubeconfig:
        done = run_helm(
            helm, "template", "hop", str(CHARTS / "hop"), "-n", "hop",
            "--dry-run=server", "--disable-openapi-validation",
            "--kubeconfig", str(kubeconfig), *args,
        )  # fmt: skip
    assert "/api/v1/namespaces/hop/secrets" in stub.requests
    return "" if done.returncode == 0 else done.stderr


def test_every_secret_present_installs(helm: Path, tmp_path: Path) -> None:
    assert _install(helm, tmp_path, SECRETS) == ""


@pytest.mark.parametrize(
    ("missing", "names"),
    [
        ("hop-links-database", 'links.secrets.database names the Secret "hop-links-database"'),
        ("hop-redis", 'secrets.redis names the Secret "hop-redis"'),
        ("hop-console-session", 'console.secrets.session names the Secret "hop-console-session"'),
        ("hop-tls", 'exposure.tls.secretName names the Secret "hop-tls"'),
    ],
)
def test_missing_secret_fails_naming_it(
    helm: Path, tmp_path: Path, missing: str, names: str
) -> None:
    secrets = {name: keys for name, keys in SECRETS.items() if name != missing}
    error = _install(helm, tmp_path, secrets)
    assert names in error
    assert 'does not exist in namespace "hop"' in error


def test_missing_key_fails_naming_it(helm: Path, tmp_path: Path) -> None:
    secrets = {**SECRETS, "hop-console-session": {"session": VALUE}}
    error = _install(helm, tmp_path, secrets)
    assert 'console.secrets.session names the key "secret" of the Secret' in error


def test_tls_secret_not_required_where_cert_manager_writes_it(helm: Path, tmp_path: Path) -> None:
    secrets = {name: keys for name, keys in SECRETS.items() if name != "hop-tls"}
    assert _install(helm, tmp_path, secrets, "--set", "exposure.tls.issuer=letsencrypt") == ""
    assert _install(helm, tmp_path, secrets, "--set", "global.https=false") == ""


def test_helm_template_without_a_cluster_skips_the_check(helm: Path) -> None:
    done = run_helm(helm, "template", "hop", str(CHARTS / "hop"), "-n", "hop")
    assert done.returncode == 0, done.stderr
