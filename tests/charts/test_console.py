"""The console's chart: its session key mounted as a file, its edges to links and analytics."""

from __future__ import annotations

from hop_chart_helpers import Render, of_kind, serving


def test_console_reads_its_session_key_from_a_mounted_secret_file(render: Render) -> None:
    deployment = serving(render())["hop-console"]
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    (source,) = volumes["secrets"]["projected"]["sources"]
    assert source["secret"] == {
        "name": "hop-console-session",
        "items": [{"key": "secret", "path": "HOP_SESSION_SECRET"}],
    }
    settings = of_kind(render(), "ConfigMap")["hop-console"]["data"]
    assert settings["HOP_SECRETS_DIR"] == "/var/run/secrets/hop"
    assert settings["HOP_BASE_PATH"] == "/console"
    assert settings["HOP_LINKS_URL"] == "http://hop-links:8000"
    assert settings["HOP_ANALYTICS_URL"] == "http://hop-analytics:8000"


def test_console_may_call_links_and_analytics_http_ports_only(render: Render) -> None:
    policy = of_kind(render(), "NetworkPolicy")["hop-console"]["spec"]
    peers = {
        peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
        for rule in policy["egress"]
        for peer in rule.get("to", [])
        if "podSelector" in peer and "namespaceSelector" not in peer
    }
    assert peers == {"links", "analytics"}
