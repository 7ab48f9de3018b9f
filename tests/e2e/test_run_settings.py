"""`make run`'s settings: redirect's access log samples like production unless asked; links
and analytics believe the client addresses their loopback callers forward."""

from __future__ import annotations

from ipaddress import ip_address
from pathlib import Path

import pytest
from hop_local.run import parse_args, stack_from_args

from hop_analytics.settings import AnalyticsSettings
from hop_instrumentation import ServiceSettings
from hop_links.settings import LinksSettings
from hop_redirect.settings import RedirectSettings


def _redirect_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, environ: dict[str, str]
) -> RedirectSettings:
    stack = stack_from_args(parse_args(["--data-dir", str(tmp_path)]), environ)
    monkeypatch.delenv("HOP_ACCESS_LOG_SAMPLE_RATIO", raising=False)
    # The runner starts each service with {**environ, **stack.env(service)}.
    for name, value in {**environ, **stack.env("redirect")}.items():
        monkeypatch.setenv(name, value)
    return RedirectSettings()


def test_run_redirect_access_log_default_samples_like_production(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _redirect_settings(tmp_path, monkeypatch, {})

    assert settings.access_log_sample_ratio == 0.01
    assert settings.log_format == "console"


def test_run_redirect_access_log_ratio_from_environment_logs_every_redirect(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _redirect_settings(tmp_path, monkeypatch, {"HOP_ACCESS_LOG_SAMPLE_RATIO": "1"})

    assert settings.access_log_sample_ratio == 1.0


@pytest.mark.parametrize(
    ("service", "cls"), [("links", LinksSettings), ("analytics", AnalyticsSettings)]
)
def test_run_links_and_analytics_trust_the_loopback_peers_that_forward_addresses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, service: str, cls: type[ServiceSettings]
) -> None:
    stack = stack_from_args(parse_args(["--data-dir", str(tmp_path)]), {})
    monkeypatch.delenv("HOP_TRUSTED_PROXIES", raising=False)
    for name, value in stack.env(service).items():
        monkeypatch.setenv(name, value)

    # The console and analytics call from 127.0.0.1 with their user's X-Forwarded-For.
    assert any(ip_address("127.0.0.1") in network for network in cls().trusted_proxies)


def test_run_links_proves_domains_over_http_through_the_edge(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = stack_from_args(parse_args(["--data-dir", str(tmp_path), "--edge-port", "8123"]), {})
    for name, value in stack.env("links").items():
        monkeypatch.setenv(name, value)

    settings = LinksSettings()

    # Host: go.acme.test on the edge's port reaches links' challenge route (no DNS needed).
    assert settings.verification_connect_to == "127.0.0.1:8123"
    assert settings.verification_allow_internal is True
    assert settings.branded_url_scheme == "http"  # the edge has no TLS
