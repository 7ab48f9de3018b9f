"""Structured logs: JSON lines for machines, a readable console format for people.

Usage::

    configure_logging(settings)
    logger = logging.getLogger("hop.links")
    logger.info("link created", extra={"code": code})

Every event carries ``timestamp``, ``level``, ``logger``, ``message``, ``service``,
``service_version``, ``trace_id`` and ``span_id`` (from the current OpenTelemetry
context), plus the ``extra`` fields. Fields whose names look secret are redacted.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any, Final

import orjson
from opentelemetry import trace

from hop_instrumentation.settings import LogFormat, ServiceSettings

__all__ = ["ACCESS_LOGGER", "ConsoleFormatter", "JsonFormatter", "configure_logging"]

ACCESS_LOGGER: Final = "hop.access"
REDACTED: Final = "[redacted]"
_SECRET_MARKERS: Final = ("authorization", "api_key", "apikey", "password", "secret", "token")
_RESERVED: Final = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys() | {"message", "asctime"}
)
_HANDLER_NAME: Final = "hop"


def configure_logging(settings: ServiceSettings) -> None:
    """Route every logger (uvicorn's included) through one stdout handler in the chosen format."""
    formatter: logging.Formatter
    if settings.log_format is LogFormat.CONSOLE:
        formatter = ConsoleFormatter()
    else:
        formatter = JsonFormatter(settings.service_name, settings.service_version)
    handler = logging.StreamHandler(sys.stdout)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for existing in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    for name in ("uvicorn", "uvicorn.error", "gunicorn.error"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    uvicorn_access = logging.getLogger("uvicorn.access")
    uvicorn_access.handlers = []
    uvicorn_access.propagate = False
    uvicorn_access.disabled = True
    logging.getLogger(ACCESS_LOGGER).disabled = not settings.access_log


def event_fields(record: logging.LogRecord) -> dict[str, Any]:
    """Return a record's extra fields with secret-looking ones redacted."""
    fields: dict[str, Any] = {}
    for key, value in record.__dict__.items():
        if key in _RESERVED or key.startswith("_") or key == "color_message":
            continue
        lowered = key.lower()
        fields[key] = REDACTED if any(m in lowered for m in _SECRET_MARKERS) else value
    return fields


def _trace_ids() -> tuple[str | None, str | None]:
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None, None
    return format(context.trace_id, "032x"), format(context.span_id, "016x")


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object per line."""

    def __init__(self, service: str, version: str) -> None:
        super().__init__()
        self._static = {"service": service, "service_version": version}

    def format(self, record: logging.LogRecord) -> str:
        """Render the record, its trace context and its extra fields as JSON."""
        trace_id, span_id = _trace_ids()
        event: dict[str, Any] = {
            "timestamp": _timestamp(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **self._static,
            "trace_id": trace_id,
            "span_id": span_id,
        }
        event.update(event_fields(record))
        if record.exc_info:
            event["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(event, default=str).decode()


class ConsoleFormatter(logging.Formatter):
    """Format a record as one readable line: time, level, logger, message, fields."""

    def format(self, record: logging.LogRecord) -> str:
        """Render the record for a terminal."""
        fields = " ".join(f"{k}={v}" for k, v in event_fields(record).items())
        trace_id, _ = _trace_ids()
        trace_part = f" trace={trace_id[:8]}" if trace_id else ""
        clock = time.strftime("%H:%M:%S", time.localtime(record.created))
        line = f"{clock} {record.levelname:<7} {record.name}: {record.getMessage()}"
        line = f"{line} {fields}{trace_part}".rstrip()
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def _timestamp(created: float) -> str:
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created))
    return f"{seconds}.{int(created % 1 * 1000):03d}Z"
