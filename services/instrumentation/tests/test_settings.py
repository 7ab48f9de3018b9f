"""Settings: environment, secrets files, and errors that name the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from hop_instrumentation import ServiceSettings, SettingsError, load_settings, load_settings_or_exit
from hop_instrumentation.settings import RedisUrl, redact_secrets


class DatabaseSettings(ServiceSettings):
    database_password: str = ""


def test_settings_read_hop_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOP_HTTP_PORT", "8100")
    monkeypatch.setenv("HOP_LOG_FORMAT", "console")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER_ARG", "0.25")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")
    settings = load_settings(ServiceSettings)
    assert (settings.http_port, settings.log_format.value) == (8100, "console")
    assert settings.trace_sample_ratio == 0.25
    assert settings.traces_export_enabled is True


def test_settings_without_endpoint_export_nothing() -> None:
    assert load_settings(ServiceSettings).traces_export_enabled is False


def test_settings_read_secrets_from_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "HOP_DATABASE_PASSWORD").write_text("s3cret\n")
    monkeypatch.setenv("HOP_SECRETS_DIR", str(tmp_path))
    assert load_settings(DatabaseSettings).database_password == "s3cret"


def test_settings_missing_secrets_dir_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOP_SECRETS_DIR", "/nonexistent/secrets")
    with pytest.raises(SettingsError, match="HOP_SECRETS_DIR='/nonexistent/secrets' is not a dir"):
        load_settings(ServiceSettings)


def test_settings_errors_name_every_bad_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOP_HTTP_PORT", "eighty")
    monkeypatch.setenv("HOP_TRACE_SAMPLE_RATIO", "2")
    monkeypatch.setenv("HOP_LOG_LEVEL", "loud")
    with pytest.raises(SettingsError) as caught:
        load_settings(ServiceSettings)
    message = str(caught.value)
    assert message.splitlines()[0] == "Invalid settings for ServiceSettings:"
    assert "HOP_HTTP_PORT: Input should be a valid integer" in message
    assert "HOP_TRACE_SAMPLE_RATIO or OTEL_TRACES_SAMPLER_ARG: Input should be less" in message
    assert "HOP_LOG_LEVEL: String should match pattern" in message


def test_settings_same_port_twice_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOP_HTTP_PORT", "9000")
    with pytest.raises(SettingsError, match="HOP_MANAGEMENT_PORT=9000: the API, internal and"):
        load_settings(ServiceSettings)


def test_settings_internal_port_on_the_api_port_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOP_INTERNAL_PORT", "8000")
    with pytest.raises(SettingsError, match="HOP_HTTP_PORT=8000, HOP_INTERNAL_PORT=8000"):
        load_settings(ServiceSettings)


def test_load_settings_or_exit_prints_the_problem_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HOP_HTTP_PORT", "not-a-port")
    with pytest.raises(SystemExit) as exited:
        load_settings_or_exit(ServiceSettings)
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert error.startswith("Invalid settings for ServiceSettings:\n  HOP_HTTP_PORT:")
    assert "Traceback" not in error


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "connect to postgresql+asyncpg://hop:s3cr@t@db:5432/hop failed",
            "connect to postgresql+asyncpg://hop:***@db:5432/hop failed",
        ),
        ("url='redis://:pa55@redis:6379/0'", "url='redis://:***@redis:6379/0'"),
        ("host=db user=hop password=s3cret dbname=hop", "host=db user=hop password=*** dbname=hop"),
        ("https://example.com/a@b", "https://example.com/a@b"),
        ("no secrets here", "no secrets here"),
        ("is 'hop:pw@127.0.0.1', which", "is 'hop:***@127.0.0.1', which"),  # no scheme
        ("Error 111 connecting to 127.0.0.1:6379.", "Error 111 connecting to 127.0.0.1:6379."),
    ],
)
def test_redact_secrets_hides_url_and_dsn_passwords(text: str, expected: str) -> None:
    assert redact_secrets(text) == expected


def test_trusted_proxies_read_comma_separated_or_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOP_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.1/32")
    assert [str(n) for n in load_settings(ServiceSettings).trusted_proxies] == [
        "10.0.0.0/8",
        "192.0.2.1/32",
    ]
    monkeypatch.setenv("HOP_TRUSTED_PROXIES", '["::1/128"]')
    assert [str(n) for n in load_settings(ServiceSettings).trusted_proxies] == ["::1/128"]


def test_trusted_proxies_not_a_network_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOP_TRUSTED_PROXIES", "the-edge")
    with pytest.raises(SettingsError, match="HOP_TRUSTED_PROXIES: value is not a valid IPv4"):
        load_settings(ServiceSettings)


class RedisClientSettings(ServiceSettings):
    redis_url: RedisUrl = "redis://127.0.0.1:6379/0"


@pytest.mark.parametrize("url", ["redis://r:6379/0", "rediss://r:6380/1", "unix:///run/r.sock"])
def test_redis_url_takes_the_schemes_redis_connects_to(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("HOP_REDIS_URL", url)
    assert load_settings(RedisClientSettings).redis_url == url


def test_redis_url_of_another_scheme_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOP_REDIS_URL", "http://r:6379")
    with pytest.raises(SettingsError, match="HOP_REDIS_URL: String should match pattern"):
        load_settings(RedisClientSettings)
