"""Structured logs: JSON lines for machines, a readable console format for people.

Usage::

    configure_logging(settings)
    logger = logging.getLogger("hop.links")
    logger.info("link created", extra={"code": code})

Every event carries ``timestamp``, ``level``, ``logger``, ``message``, ``service``,
``service_version``, ``trace_id``, ``span_id`` and ``trace_sampled`` (from the current
OpenTelemetry context: only a sampled trace id leads to a stored trace; all three are null
outside a trace), plus the ``extra`` fields. Fields whose names look secret are redacted.
"""

from __future__ import annotations

import functools
import logging
import sys
import time
from typing import Any, BinaryIO, Final

import orjson
from opentelemetry import trace
from opentelemetry.trace import SpanContext

from hop_instrumentation._access import ACCESS_LOGGER, AccessWriter, timestamp
from hop_instrumentation._output import LineHandler, LineWriter
from hop_instrumentation.settings import (
    LogFormat,
    ServiceSettings,
    print_redacted_exception,
    redact_secrets,
)

__all__ = ["ACCESS_LOGGER", "ConsoleFormatter", "JsonFormatter", "configure_logging", "log_access"]

REDACTED: Final = "[redacted]"
_SECRET_MARKERS: Final = ("authorization", "api_key", "apikey", "password", "secret", "token")
_RESERVED: Final = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys()
    | {"message", "asctime", "color_message", "taskName"}
)
_HANDLER_NAME: Final = "hop"
_access_logger = logging.getLogger(ACCESS_LOGGER)
_access_writer: AccessWriter | None = None


def configure_logging(settings: ServiceSettings, stream: BinaryIO | None = None) -> None:
    """Route every logger (uvicorn's included) to stdout (or ``stream``) in the chosen format.

    Access events in JSON format skip `logging` altogether: `log_access` renders them
    straight to the output (the hot path's budget is a few microseconds).
    """
    global _access_writer
    json_formatter = JsonFormatter(settings.service_name, settings.service_version)
    console = settings.log_format is LogFormat.CONSOLE
    formatter = ConsoleFormatter() if console else json_formatter
    # Records carry no caller, thread or process fields: the formatters never print them,
    # and collecting them costs more than formatting an access event (logging's own
    # documented optimisation).
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    sys.excepthook = print_redacted_exception  # a startup error may quote a database URL
    writer = LineWriter(stream if stream is not None else sys.stdout.buffer)
    handler = LineHandler(writer)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for existing in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(existing)
        existing.close()
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    for name in ("uvicorn", "uvicorn.error", "gunicorn.error"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    # httpx logs every request it sends at INFO: one line per service-to-service call.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    uvicorn_access = logging.getLogger("uvicorn.access")
    uvicorn_access.handlers = []
    uvicorn_access.propagate = False
    uvicorn_access.disabled = True
    logging.getLogger(ACCESS_LOGGER).disabled = not settings.access_log
    fast = not console and settings.access_log and _access_logger.isEnabledFor(logging.INFO)
    _access_writer = AccessWriter(writer, json_formatter.static) if fast else None


def log_access(
    method: str,
    route: str,
    status: int,
    path: str,
    duration: float,
    context: SpanContext | None = None,
) -> None:
    """Record one access event (``hop.access``): the method, route, status and duration.

    ``context`` is the request's span context, if the caller has it at hand (looking
    up the current one costs more than the rest of the event).
    """
    writer = _access_writer
    if writer is not None:
        writer.write(method, route, status, path, duration, context)
        return
    if _access_logger.disabled or not _access_logger.isEnabledFor(logging.INFO):
        return
    _access_logger.info(
        "%s %s %d",
        method,
        route,
        status,
        extra={
            "http_request_method": method,
            "http_route": route,
            "http_response_status_code": status,
            "url_path": path,
            "duration_ms": round(duration * 1000, 3),
        },
    )


def event_fields(record: logging.LogRecord) -> dict[str, Any]:
    """Return a record's extra fields with secret-looking ones redacted."""
    names = record.__dict__.keys() - _RESERVED
    if not names:
        return {}
    fields = record.__dict__
    return {
        name: REDACTED if _is_secret(name) else fields[name]
        for name in names
        if not name.startswith("_")
    }


@functools.cache
def _is_secret(name: str) -> bool:
    lowered = name.lower()
    return any(marker in lowered for marker in _SECRET_MARKERS)


def _trace_ids() -> tuple[str | None, str | None]:
    trace_id, span_id, _ = _trace_context()
    return trace_id, span_id


def _trace_context() -> tuple[str | None, str | None, bool | None]:
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None, None, None
    ids = format(context.trace_id, "032x"), format(context.span_id, "016x")
    return (*ids, context.trace_flags.sampled)


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object per line."""

    def __init__(self, service: str, version: str) -> None:
        super().__init__()
        self.static = {"service": service, "service_version": version}

    def format(self, record: logging.LogRecord) -> str:
        """Render the record, its trace context and its extra fields as JSON."""
        trace_id, span_id, sampled = _trace_context()
        event: dict[str, Any] = {
            "timestamp": timestamp(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **self.static,
            "trace_id": trace_id,
            "span_id": span_id,
            "trace_sampled": sampled,
        }
        event.update(event_fields(record))
        if record.exc_info:
            event["exception"] = self.formatException(record.exc_info)
        line = orjson.dumps(event, default=str).decode()
        return line if record.name == ACCESS_LOGGER else redact_secrets(line)


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
        return line if record.name == ACCESS_LOGGER else redact_secrets(line)
