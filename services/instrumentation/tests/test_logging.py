"""Log events: JSON fields, trace ids, redaction, the console format, uvicorn's access log off."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import orjson
import pytest

from hop_instrumentation import LogFormat, ServiceSettings, configure_logging, create_app
from hop_instrumentation.logging import ConsoleFormatter, JsonFormatter
from hop_instrumentation.testing import SpanCapture, app_client, make_test_settings


@pytest.fixture
def root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    # Configuring with the access log off drops the fast access writer again.
    configure_logging(make_test_settings(ServiceSettings, access_log=False), io.BytesIO())
    for handler in root.handlers:
        if handler not in handlers:
            handler.close()
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.getLogger("uvicorn.access").disabled = False
    logging.getLogger("hop.access").disabled = False


def record(**extra: object) -> logging.LogRecord:
    return logging.getLogger("hop.test").makeRecord(
        "hop.test", logging.INFO, __file__, 1, "link %s created", ("abc",), None, extra=extra
    )


def test_json_format_has_the_contract_fields() -> None:
    line = JsonFormatter("links", "1.2.3").format(record(code="abc"))
    event = orjson.loads(line)
    assert set(event) == {
        "timestamp", "level", "logger", "message", "service", "service_version",
        "trace_id", "span_id", "trace_sampled", "code",
    }  # fmt: skip
    assert (event["trace_id"], event["span_id"], event["trace_sampled"]) == (None, None, None)
    assert (event["level"], event["logger"], event["message"]) == (
        "info",
        "hop.test",
        "link abc created",
    )
    assert (event["service"], event["service_version"], event["code"]) == ("links", "1.2.3", "abc")
    assert event["timestamp"].endswith("Z")


def test_json_format_redacts_secret_looking_fields() -> None:
    event = orjson.loads(
        JsonFormatter("s", "v").format(
            record(api_key="hop_abc", Authorization="Bearer x", db_password="p", owner="o")
        )
    )
    assert event["api_key"] == event["Authorization"] == event["db_password"] == "[redacted]"
    assert event["owner"] == "o"


def test_console_format_is_one_readable_line() -> None:
    line = ConsoleFormatter().format(record(code="abc"))
    assert " INFO    hop.test: link abc created code=abc" in line


def test_configure_logging_writes_json_lines_and_silences_uvicorn_access(
    root_logging: None,
) -> None:
    stream = io.BytesIO()
    configure_logging(make_test_settings(ServiceSettings, service_name="links"), stream)
    logging.getLogger("uvicorn.access").info("GET / 200")
    logging.getLogger("uvicorn.error").warning("something odd")
    logging.getLogger("hop.links").debug("hidden below INFO")
    lines = [orjson.loads(line) for line in stream.getvalue().splitlines()]
    assert [(e["logger"], e["message"], e["service"]) for e in lines] == [
        ("uvicorn.error", "something odd", "links")
    ]


async def test_access_events_skip_logging_but_keep_the_json_shape(root_logging: None) -> None:
    stream = io.BytesIO()
    settings = make_test_settings(ServiceSettings, service_name="links")
    configure_logging(settings, stream)
    spans = SpanCapture()
    app = create_app(settings, span_processors=(spans.processor,))

    @app.get("/items/{item_id}")
    async def get_item(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    async with app_client(app) as client:
        await client.get("/items/4")
    logging.getLogger().handlers[-1].flush()
    [event] = [
        e for e in map(orjson.loads, stream.getvalue().splitlines()) if e["logger"] == "hop.access"
    ]
    [span] = spans.spans
    duration = event.pop("duration_ms")
    assert isinstance(duration, float)
    assert duration > 0
    assert event.pop("timestamp").endswith("Z")
    assert event == {
        "level": "info",
        "logger": "hop.access",
        "message": "GET /items/{item_id} 200",
        "service": "links",
        "service_version": "0.1.0",
        "trace_id": format(span.context.trace_id, "032x"),
        "span_id": format(span.context.span_id, "016x"),
        "trace_sampled": True,
        "http_request_method": "GET",
        "http_route": "/items/{item_id}",
        "http_response_status_code": 200,
        "url_path": "/items/4",
    }


def test_configure_logging_console_format_and_access_log_off(root_logging: None) -> None:
    configure_logging(
        make_test_settings(ServiceSettings, log_format=LogFormat.CONSOLE, access_log=False)
    )
    assert isinstance(logging.getLogger().handlers[-1].formatter, ConsoleFormatter)
    assert logging.getLogger("hop.access").disabled is True
