"""A real Prometheus (Debian's package) scraping the services' management ports.

The binary is started directly (never the systemd unit) with a generated configuration,
a free loopback port and a temporary storage folder. It comes from Debian's ``prometheus``
package, which ``tools/install-test-tools`` installs on a fresh machine.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import yaml
from hop_e2e_tools import debian_tool

from hop_instrumentation.testing import free_port, running_process

__all__ = ["Prometheus", "prometheus_binary", "running_prometheus", "scrape_config"]

SCRAPE_INTERVAL = "1s"


def prometheus_binary() -> str:
    """Return the prometheus binary (Debian's ``prometheus``, installed when missing)."""
    return debian_tool("prometheus", "prometheus")


def scrape_config(targets: Mapping[str, str], rule_files: Sequence[Path] = ()) -> dict[str, Any]:
    """Return a configuration scraping each ``job -> host:port`` every second.

    ``rule_files`` are evaluated every second too.
    """
    config: dict[str, Any] = {
        "global": {"scrape_interval": SCRAPE_INTERVAL, "evaluation_interval": SCRAPE_INTERVAL},
        "scrape_configs": [
            {"job_name": job, "static_configs": [{"targets": [target]}]}
            for job, target in sorted(targets.items())
        ],
    }
    if rule_files:
        config["rule_files"] = [str(path) for path in rule_files]
    return config


class Prometheus:
    """Query a running Prometheus' HTTP API through ``client`` (one for every query)."""

    def __init__(self, url: str, client: httpx.Client) -> None:
        self.url = url
        self.client = client

    def query(self, promql: str) -> dict[str, float]:
        """Run an instant query; return each series' value keyed by its ``job`` label."""
        answer = self.client.get(f"{self.url}/api/v1/query", params={"query": promql})
        answer.raise_for_status()
        body = answer.json()
        if body["status"] != "success":
            raise RuntimeError(f"{promql!r} failed: {body}")
        return {
            series["metric"].get("job", ""): float(series["value"][1])
            for series in body["data"]["result"]
        }


@contextmanager
def running_prometheus(
    root: Path, targets: Mapping[str, str], *, rule_files: Sequence[Path] = ()
) -> Iterator[Prometheus]:
    """Run Prometheus scraping ``targets`` (and evaluating ``rule_files``) until the block ends."""
    root.mkdir(parents=True, exist_ok=True)
    config = root / "prometheus.yml"
    config.write_text(yaml.safe_dump(scrape_config(targets, rule_files)))
    port = free_port()
    command = [
        prometheus_binary(),
        f"--config.file={config}",
        f"--storage.tsdb.path={root / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
    ]
    url = f"http://127.0.0.1:{port}"
    with (
        running_process(
            command,
            log=root / "prometheus.log",
            ready_url=f"{url}/-/ready",
            ready_timeout=60.0,
            stop_timeout=20.0,
        ),
        httpx.Client(timeout=10.0) as client,
    ):
        yield Prometheus(url, client)
