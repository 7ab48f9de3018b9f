"""Settings every hop service shares: one pydantic-settings class, read once at startup.

Usage::

    class LinksSettings(ServiceSettings):
        service_name: str = "links"
        database_url: str = "sqlite+aiosqlite:///hop-links.db"

    settings = load_settings(LinksSettings)

Values come from ``HOP_``-prefixed environment variables, then from files in the
secrets directory (``HOP_SECRETS_DIR``: one file per variable, named like it, e.g.
``HOP_DATABASE_URL``, as Kubernetes mounts a Secret's keys). The standard ``OTEL_*``
variables configure tracing.
"""

from __future__ import annotations

import os
import re
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Self, TypeVar

from pydantic import AliasChoices, Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = [
    "Environment",
    "LogFormat",
    "ServiceSettings",
    "SettingsError",
    "TracingInstrumentation",
    "load_settings",
    "load_settings_or_exit",
]

Port = Annotated[int, Field(ge=1, le=65535)]
Ratio = Annotated[float, Field(ge=0.0, le=1.0)]
Seconds = Annotated[float, Field(ge=0.0, le=3600.0)]
#: The password of a ``scheme://user:password@host`` URL (up to the last ``@``).
_URL_PASSWORD = re.compile(r"(://[^/@:]*:).*@")


class Environment(StrEnum):
    """Where the service runs; changes defaults such as the log format."""

    LOCAL = "local"
    DEV = "dev"
    STAGING = "staging"
    PRODUCTION = "production"
    TEST = "test"


class LogFormat(StrEnum):
    """How log events are written: JSON lines for machines, console for people."""

    JSON = "json"
    CONSOLE = "console"


class TracingInstrumentation(StrEnum):
    """Who makes the server span of a FastAPI request."""

    #: hop's middleware (the default): the cheaper one; see the package README.
    HOP = "hop"
    #: opentelemetry-instrumentation-fastapi (the ``upstream`` extra).
    UPSTREAM = "upstream"


class SettingsError(ValueError):
    """Raise when settings are invalid; the message names each variable and its fix."""


class ServiceSettings(BaseSettings):
    """Hold the settings every hop service has; subclass it to add the service's own."""

    model_config = SettingsConfigDict(
        env_prefix="HOP_",
        extra="ignore",
        frozen=True,
        validate_default=True,
        validate_by_name=True,
        validate_by_alias=True,
    )

    service_name: str = Field(default="hop", min_length=1, max_length=63)
    service_version: str = "0.1.0"
    service_commit: str = "unknown"
    environment: Environment = Environment.LOCAL

    host: str = "0.0.0.0"
    http_port: Port = 8000
    management_port: Port = 9000
    workers: int = Field(default=1, ge=1, le=64)

    log_level: str = Field(default="INFO", pattern=r"^(?i:debug|info|warning|error|critical)$")
    log_format: LogFormat = LogFormat.JSON
    access_log: bool = True

    keepalive_timeout: Seconds = Field(
        default=95.0,
        description="Idle keep-alive seconds; above the ingress' upstream idle timeout (90 s).",
    )
    shutdown_delay: Seconds = Field(
        default=0.0,
        description="Seconds /readyz fails while still serving after SIGTERM, before closing.",
    )
    drain_timeout: Seconds = Field(
        default=20.0, description="Seconds in-flight requests get to finish after SIGTERM."
    )

    trace_sample_ratio: Ratio = Field(
        default=0.01,
        validation_alias=AliasChoices("HOP_TRACE_SAMPLE_RATIO", "OTEL_TRACES_SAMPLER_ARG"),
    )
    tracing_instrumentation: TracingInstrumentation = Field(
        default=TracingInstrumentation.HOP,
        description="Server spans from hop's middleware, or from opentelemetry-instrumentation-"
        "fastapi (`upstream`, needs the `upstream` extra); metrics and access logs stay hop's.",
    )
    otlp_endpoint: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"
        ),
    )
    traces_exporter: str = Field(
        default="otlp", validation_alias=AliasChoices("OTEL_TRACES_EXPORTER")
    )

    health_check_interval: Seconds = Field(default=5.0, gt=0)
    health_check_timeout: Seconds = Field(default=2.0, gt=0)

    @model_validator(mode="after")
    def _ports_differ(self) -> Self:
        if self.http_port == self.management_port:
            raise ValueError(
                f"HOP_HTTP_PORT and HOP_MANAGEMENT_PORT are both {self.http_port}; "
                "the API and the management endpoints need two different ports."
            )
        return self

    @property
    def traces_export_enabled(self) -> bool:
        """Tell whether spans leave the process (an OTLP endpoint is configured)."""
        return bool(self.otlp_endpoint) and self.traces_exporter.lower() != "none"


SettingsT = TypeVar("SettingsT", bound=ServiceSettings)


def load_settings(cls: type[SettingsT], **overrides: Any) -> SettingsT:
    """Build settings from the environment, or raise `SettingsError` naming every bad variable."""
    secrets_dir = os.environ.get("HOP_SECRETS_DIR")
    extra: dict[str, Any] = {}
    if secrets_dir:
        if not Path(secrets_dir).is_dir():
            raise SettingsError(
                f"HOP_SECRETS_DIR={secrets_dir!r} is not a directory; "
                "point it at the folder where the Secret is mounted, or unset it."
            )
        extra["_secrets_dir"] = secrets_dir
    try:
        return cls(**extra, **overrides)
    except ValidationError as err:
        raise SettingsError(_describe(cls, err)) from None


def load_settings_or_exit(cls: type[SettingsT]) -> SettingsT:
    """Build settings from the environment, or print what is wrong and exit with status 2.

    For commands: the operator sees every bad variable and its fix, not a traceback.
    """
    try:
        return load_settings(cls)
    except SettingsError as err:
        print(err, file=sys.stderr)
        raise SystemExit(2) from None


def _describe(cls: type[ServiceSettings], err: ValidationError) -> str:
    lines = [f"Invalid settings for {cls.__name__}:"]
    for error in err.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        variable = _variable_name(cls, field)
        shown = "" if error["type"] == "missing" else f" (got {_redact(error.get('input'))!r})"
        lines.append(f"  {variable}: {error['msg']}{shown}")
    return "\n".join(lines)


def _variable_name(cls: type[ServiceSettings], field: str) -> str:
    for name, info in cls.model_fields.items():
        aliases = info.validation_alias
        if isinstance(aliases, AliasChoices) and (field == name or field in aliases.choices):
            return " or ".join(str(choice) for choice in aliases.choices)
    return f"HOP_{field.upper()}" if field else "settings"


def _redact(value: Any) -> Any:
    return _redact_url(value) if isinstance(value, str) else value


def _redact_url(url: str) -> str:
    """Return ``url`` with its password, if any, replaced by ``***``."""
    return _URL_PASSWORD.sub(r"\1***@", url)
