"""tests/cluster's helpers, checked without a cluster: a fake kubectl stands in for the real one."""

from __future__ import annotations

import gc
import stat
import urllib.request
from pathlib import Path

from hop_cluster import Cluster

# A kubectl that "forwards" by serving HTTP itself on a free port, as port-forward prints it.
FAKE_KUBECTL = """#!/usr/bin/env python3
import http.server, sys
server = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
print(f"Forwarding from 127.0.0.1:{server.server_port} -> 9000", flush=True)
print("a warning on stderr", file=sys.stderr, flush=True)
server.serve_forever()
"""


def _cluster(tmp_path: Path) -> Cluster:
    kubectl = tmp_path / "kubectl"
    kubectl.write_text(FAKE_KUBECTL)
    kubectl.chmod(kubectl.stat().st_mode | stat.S_IXUSR)
    return Cluster(
        url="http://127.0.0.1:1",
        host="hop.localhost",
        namespace="hop",
        release="hop",
        kubectl=str(kubectl),
        helm="helm",
    )


def test_port_forward_yields_url_and_closes_its_pipes(tmp_path: Path) -> None:
    # filterwarnings=error: an unclosed pipe's ResourceWarning, raised at collection, fails here.
    with _cluster(tmp_path).port_forward("pod/x", 9000) as base:
        assert base.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(base + "/", timeout=5) as answer:
            assert answer.status == 200
    gc.collect()
