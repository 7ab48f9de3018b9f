"""The analytics chart: its edges to links, on links' http port and its internal port."""

from __future__ import annotations

from hop_chart_helpers import Render, of_kind

from hop_analytics.settings import AnalyticsSettings


def test_analytics_reaches_links_api_and_internal_port_under_its_settings(
    render: Render,
) -> None:
    settings = of_kind(render(), "ConfigMap")["hop-analytics"]["data"]
    assert settings["HOP_LINKS_URL"] == "http://hop-links:8000"  # the ownership check
    assert settings["HOP_LINKS_INTERNAL_URL"] == "http://hop-links:8001"  # the feed
    declared = {f"HOP_{name.upper()}" for name in AnalyticsSettings.model_fields}
    assert {"HOP_LINKS_URL", "HOP_LINKS_INTERNAL_URL"} <= declared


def test_links_internal_port_admits_redirect_analytics_and_console(render: Render) -> None:
    policy = of_kind(render(), "NetworkPolicy")["hop-links"]["spec"]
    internal = {
        peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
        for rule in policy["ingress"]
        if any(port["port"] == "internal" for port in rule.get("ports", []))
        for peer in rule.get("from", [])
        if "podSelector" in peer
    }
    assert internal == {"redirect", "analytics", "console"}  # console: its sessions
