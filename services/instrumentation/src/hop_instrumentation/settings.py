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

import json
import os
import re
import sys
import traceback
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Annotated, Any, Self, TypeVar

from pydantic import (
    AliasChoices,
    Field,
    IPvAnyNetwork,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = [
    "Environment",
    "LogFormat",
    "RedisUrl",
    "ServiceSettings",
    "SettingsError",
    "TracingInstrumentation",
    "load_settings",
    "load_settings_or_exit",
    "print_redacted_exception",
    "redact_secrets",
]

Port = Annotated[int, Field(ge=1, le=65535)]
Ratio = Annotated[float, Field(ge=0.0, le=1.0)]
Seconds = Annotated[float, Field(ge=0.0, le=3600.0)]
#: A Redis server's URL, in the schemes redis-py connects to; a field of this type fails at
#: startup, naming its variable, instead of at the first connection.
RedisUrl = Annotated[str, Field(pattern=r"^(rediss?|unix)://")]
#: The password of a ``scheme://user:password@host`` URL (up to the last ``@``).
_URL_PASSWORD = re.compile(r"(://[^/@:]*:).*@")
#: The same inside free text (an error message, a traceback): stop at whitespace or quotes;
#: and ``password=...`` of a libpq-style DSN.
_TEXT_PASSWORD = re.compile(r"(://[^/@:\s'\"]*:)[^\s'\"]*@")
#: ``user:password@host`` without a scheme (a URL missing its ``postgresql://``).
_BARE_PASSWORD = re.compile(r"((?:^|(?<=[\s'\"(=]))[^/@:\s'\"]+:)(?!//)[^\s'\"/@]*@")
_DSN_PASSWORD = re.compile(r"(?i)(password\s*=\s*)[^\s'\",;]+")


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
    internal_port: Port = Field(
        default=8001,
        description="Port of the service-to-service routes (/internal/...); never the API's.",
    )
    management_port: Port = 9000
    workers: int = Field(default=1, ge=1, le=64)

    log_level: str = Field(default="INFO", pattern=r"^(?i:debug|info|warning|error|critical)$")
    log_format: LogFormat = LogFormat.JSON
    access_log: bool = True

    keepalive_timeout: Seconds = Field(
        default=95.0,
        description="Idle keep-alive seconds; above the ingress' upstream idle timeout (90 s).",
    )
    request_head_timeout: Seconds = Field(
        default=5.0, gt=0, description="Seconds a client gets to send a whole request head."
    )
    request_body_timeout: Seconds = Field(
        default=30.0,
        gt=0,
        description="Seconds a client gets to send a whole request body, from its first read.",
    )
    max_header_bytes: int = Field(default=32_768, ge=1_024, le=1_048_576)
    max_headers: int = Field(default=100, ge=8, le=1_000)
    max_body_bytes: int = Field(
        default=65_536, ge=1_024, description="Body cap of single-item routes, in bytes."
    )
    max_batch_body_bytes: int = Field(
        default=8_388_608, ge=1_024, description="Body cap of batch routes, in bytes."
    )
    rate_limit_paths: Annotated[tuple[str, ...], NoDecode] = Field(
        default=("/api/",), description="Path prefixes the rate limits apply to."
    )
    rate_limit_window: Seconds = Field(default=60.0, gt=0, description="Window, in seconds.")
    rate_limit_per_address: int = Field(default=6_000, ge=0, description="0 turns it off.")
    rate_limit_per_key: int = Field(default=6_000, ge=0, description="0 turns it off.")
    rate_limit_auth_failures: int = Field(default=30, ge=0, description="401s per address.")
    rate_limit_redis_url: str | None = Field(
        default=None, description="Redis for counters shared by replicas; unset: in-process."
    )
    trusted_proxies: Annotated[tuple[IPvAnyNetwork, ...], NoDecode] = Field(
        default=(),
        description="Peers (CIDRs) whose X-Forwarded-For and trace sampling flags are trusted.",
    )
    event_loop_lag_interval: Seconds = Field(
        default=0.25, gt=0, description="Seconds between event-loop lag samples."
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

    @field_validator("rate_limit_paths", "trusted_proxies", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        """Accept ``a,b`` as well as a JSON list (``["a", "b"]``) for the list settings."""
        if not isinstance(value, str):
            return value
        text = value.strip()
        if text.startswith("["):
            try:
                return json.loads(text)
            except ValueError:
                raise ValueError('is not a JSON list; use a,b or ["a", "b"]') from None
        return tuple(part.strip() for part in text.split(",") if part.strip())

    @model_validator(mode="after")
    def _ports_differ(self) -> Self:
        ports = {
            "HOP_HTTP_PORT": self.http_port,
            "HOP_INTERNAL_PORT": self.internal_port,
            "HOP_MANAGEMENT_PORT": self.management_port,
        }
        if len(set(ports.values())) < len(ports):
            shown = ", ".join(f"{name}={port}" for name, port in ports.items())
            raise ValueError(
                f"{shown}: the API, internal and management endpoints need three different ports."
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

    For commands: the operator sees every bad variable and its fix, not a traceback; a
    later uncaught error is printed with its URL passwords redacted.
    """
    sys.excepthook = print_redacted_exception
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
        lines.append(f"  {variable}: {redact_secrets(error['msg'])}{shown}")
    return "\n".join(lines)


def _variable_name(cls: type[ServiceSettings], field: str) -> str:
    for name, info in cls.model_fields.items():
        aliases = info.validation_alias
        if isinstance(aliases, AliasChoices) and (field == name or field in aliases.choices):
            return " or ".join(str(choice) for choice in aliases.choices)
    return f"HOP_{field.upper()}" if field else "settings"


def _redact(value: Any) -> Any:
    return redact_secrets(_redact_url(value)) if isinstance(value, str) else value


def _redact_url(url: str) -> str:
    """Return ``url`` with its password, if any, replaced by ``***``."""
    return _URL_PASSWORD.sub(r"\1***@", url)


def redact_secrets(text: str) -> str:
    """Return ``text`` with every URL password and DSN ``password=`` replaced by ``***``.

    For anything that may quote a database or Redis URL: error messages, tracebacks,
    readiness reports.
    """
    if "@" not in text and "assword" not in text:
        return text
    text = _BARE_PASSWORD.sub(r"\1***@", _TEXT_PASSWORD.sub(r"\1***@", text))
    return _DSN_PASSWORD.sub(r"\1***", text)


def print_redacted_exception(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None
) -> None:
    """Print an uncaught exception as Python would, with URL passwords redacted (an excepthook)."""
    text = "".join(traceback.format_exception(kind, value, tb))
    print(redact_secrets(text), file=sys.stderr, end="")
