"""hop_instrumentation: what every hop service gets from one call.

Usage::

    from hop_instrumentation import HealthCheck, ServiceSettings, create_app, load_settings, serve

    class Settings(ServiceSettings):
        service_name: str = "links"

    def app_from_environment() -> FastAPI:
        app = create_app(load_settings(Settings), title="hop links")
        app.include_router(router)
        return app

    serve("hop_links.app:app_from_environment", load_settings(Settings))

Public modules: `settings`, `app`, `health`, `metrics`, `tracing`, `logging`,
`serving` and `testing`; the skeleton every service shares: `services` (its parts and
lifespan), `cli`, `errors`, `cache` and `bearer`; `database` with the ``sqlalchemy``
extra, `aiohttp_client` with the ``aiohttp`` extra.
"""

from hop_instrumentation.app import (
    Instrumentation,
    RequestObserver,
    create_app,
    get_instrumentation,
)
from hop_instrumentation.health import CheckResult, HealthCheck, Readiness, ReadinessState
from hop_instrumentation.logging import configure_logging
from hop_instrumentation.metrics import Metrics
from hop_instrumentation.serving import serve
from hop_instrumentation.settings import (
    Environment,
    LogFormat,
    ServiceSettings,
    SettingsError,
    load_settings,
    load_settings_or_exit,
)
from hop_instrumentation.tracing import (
    configure_tracing,
    create_http_client,
    instrument_redis,
    instrument_sqlalchemy,
)

__all__ = [
    "CheckResult",
    "Environment",
    "HealthCheck",
    "Instrumentation",
    "LogFormat",
    "Metrics",
    "Readiness",
    "ReadinessState",
    "RequestObserver",
    "ServiceSettings",
    "SettingsError",
    "configure_logging",
    "configure_tracing",
    "create_app",
    "create_http_client",
    "get_instrumentation",
    "instrument_redis",
    "instrument_sqlalchemy",
    "load_settings",
    "load_settings_or_exit",
    "serve",
]
