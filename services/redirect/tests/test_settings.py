from __future__ import annotations

import pytest
from pydantic import ValidationError

from hop_redirect.settings import RedirectSettings


def test_settings_platform_hosts_take_a_comma_list_or_json_and_keep_canonical_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOP_PLATFORM_HOSTS", "Hop.Example.COM.:8080, [::1]:80,bücher.example")
    listed = RedirectSettings()
    monkeypatch.setenv("HOP_PLATFORM_HOSTS", '["hop.internal", "127.0.0.1"]')
    assert listed.platform_hosts == ("hop.example.com", "::1", "xn--bcher-kva.example")
    assert RedirectSettings().platform_hosts == ("hop.internal", "127.0.0.1")


def test_settings_platform_hosts_refuse_what_is_no_host_naming_the_variable() -> None:
    with pytest.raises(ValidationError, match=r"HOP_PLATFORM_HOSTS holds 'hop example'"):
        RedirectSettings(platform_hosts="hop.test,hop example")


@pytest.mark.parametrize("url", ["ftp://hop.test/", "hop.test/welcome", "https://"])
def test_settings_unknown_host_url_must_be_http_or_https(url: str) -> None:
    with pytest.raises(ValidationError, match="unknown_host_url"):
        RedirectSettings(unknown_host_url=url)


def test_settings_empty_unknown_host_url_is_unset() -> None:
    assert RedirectSettings(unknown_host_url="").unknown_host_url is None


def test_settings_domains_are_refreshed_within_the_cache_ttl() -> None:
    assert RedirectSettings(cache_ttl=4.0, cache_negative_ttl=1.0).domains_refresh_seconds == 4.0
    assert RedirectSettings(domains_refresh_interval=3.0).domains_refresh_seconds == 3.0
