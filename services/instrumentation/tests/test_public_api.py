"""The public API and the metric names are a contract: changing them must be deliberate."""

from __future__ import annotations

import importlib

import pytest

import hop_instrumentation
from hop_instrumentation import ServiceSettings, create_app, get_instrumentation
from hop_instrumentation.testing import make_test_settings

PUBLIC = {
    "hop_instrumentation": [
        "CheckResult", "Environment", "HealthCheck", "Instrumentation", "LogFormat", "Metrics",
        "Readiness", "ReadinessState", "RequestObserver", "ServiceSettings", "SettingsError",
        "configure_logging", "configure_tracing", "create_app", "create_http_client",
        "get_instrumentation", "instrument_redis", "instrument_sqlalchemy", "load_settings",
        "load_settings_or_exit", "serve",
    ],
    "hop_instrumentation.aiohttp_client": ["CLIENT_ERRORS", "create_aiohttp_session"],
    "hop_instrumentation.app": [
        "Instrumentation", "RequestObserver", "create_app", "get_instrumentation",
    ],
    "hop_instrumentation.bearer": ["BearerToken", "bearer_token"],
    "hop_instrumentation.cache": ["TtlCache"],
    "hop_instrumentation.cli": ["run_command", "service_cli"],
    "hop_instrumentation.database": [
        "DB_DURATION_BUCKETS", "DB_OPERATION_DURATION", "DatabaseMetrics", "DatabaseSettings",
        "Migrations", "PoolOptions", "create_engine", "db_span_attributes", "is_sqlite",
        "normalise_database_url", "ping", "reader", "run_env", "run_on_engine",
    ],
    "hop_instrumentation.errors": ["ServiceError", "error_response", "install_error_handler"],
    "hop_instrumentation.health": ["CheckResult", "HealthCheck", "Readiness", "ReadinessState"],
    "hop_instrumentation.limits": [
        "Authenticator", "BodyTimeoutError", "BodyTooLargeError", "LimitsMiddleware",
        "RequestLimits",
    ],
    "hop_instrumentation.logging": [
        "ACCESS_LOGGER", "ConsoleFormatter", "JsonFormatter", "configure_logging", "log_access",
    ],
    "hop_instrumentation.metrics": [
        "ACTIVE_REQUESTS", "BUILD_INFO", "CLIENT_REQUEST_DURATION", "DURATION_BUCKETS",
        "REQUEST_DURATION", "HttpClientMetrics", "Metrics", "OldestWaitingAge",
        "is_multiprocess", "labelled_counter",
    ],
    "hop_instrumentation.ratelimit": [
        "RATE_LIMITED", "InProcessWindows", "RateLimitMiddleware", "RedisWindows", "Windows",
        "client_address", "rate_limited_counter",
    ],
    "hop_instrumentation.serving": ["build_asgi_app", "serve", "shutdown_budget"],
    "hop_instrumentation.services": ["Parts", "lifespan_of", "services_of"],
    "hop_instrumentation.settings": [
        "Environment", "LogFormat", "RedisUrl", "ServiceSettings", "SettingsError",
        "TracingInstrumentation",
        "load_settings", "load_settings_or_exit", "print_redacted_exception", "redact_secrets",
    ],
    "hop_instrumentation.testing": [
        "LOOPBACK", "LogCapture", "LoopbackServers", "RawResponse", "RunningProcess", "SpanCapture",
        "app_client", "capture_logs", "eventually", "free_port", "free_ports", "make_test_settings",
        "management_client", "metric_value", "rss_bytes", "running_process", "schema_drift",
        "send_raw", "temporary_database", "wait_for_http", "wait_until", "wait_until_async",
    ],
    "hop_instrumentation.tracing": [
        "DEFAULT_CLIENT_TIMEOUT", "PROPAGATOR", "configure_tracing", "create_http_client",
        "inject_context", "instrument_redis", "instrument_sqlalchemy",
    ],
}  # fmt: skip


def _isort_order(name: str) -> tuple[int, str]:
    # Constants, then classes, then functions: the order ruff's RUF022 keeps.
    kind = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return kind, name


@pytest.mark.parametrize("module", sorted(PUBLIC))
def test_public_api_is_pinned_sorted_and_documented(module: str) -> None:
    imported = importlib.import_module(module)
    assert imported.__all__ == PUBLIC[module]
    assert imported.__all__ == sorted(imported.__all__, key=_isort_order)
    for name in imported.__all__:
        value = getattr(imported, name)
        if callable(value) and not isinstance(value, type(hop_instrumentation)):
            assert (value.__doc__ or "").strip(), f"{module}.{name} has no docstring"


def test_metric_names_follow_the_design() -> None:
    app = create_app(make_test_settings(ServiceSettings, service_name="links"))
    families = {f.name: f.type for f in get_instrumentation(app).metrics.registry.collect()}
    assert families["http_server_request_duration_seconds"] == "histogram"
    assert families["http_server_active_requests"] == "gauge"
    assert families["http_client_request_duration_seconds"] == "histogram"
    assert families["hop_build_info"] == "gauge"
    hop_families = {name for name in families if name.startswith(("http_", "hop_"))}
    assert hop_families == {
        "http_server_request_duration_seconds",
        "http_server_active_requests",
        "http_client_request_duration_seconds",
        "hop_build_info",
        "hop_event_loop_lag_seconds",
        "hop_http_rate_limited_requests",
    }
