"""Log events: JSON fields, trace ids, redaction, the console format, uvicorn's access log off."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import orjson
import pytest

from hop_instrumentation import LogFormat, ServiceSettings, configure_logging
from hop_instrumentation.logging import ConsoleFormatter, JsonFormatter
from hop_instrumentation.testing import make_test_settings


@pytest.fixture
def root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
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
        "trace_id", "span_id", "code",
    }  # fmt: skip
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
    configure_logging(make_test_settings(ServiceSettings, service_name="links"))
    handler = logging.getLogger().handlers[-1]
    stream = io.StringIO()
    handler.setStream(stream)  # type: ignore[attr-defined]
    logging.getLogger("uvicorn.access").info("GET / 200")
    logging.getLogger("uvicorn.error").warning("something odd")
    logging.getLogger("hop.links").debug("hidden below INFO")
    handler.flush()
    lines = [orjson.loads(line) for line in stream.getvalue().splitlines()]
    assert [(e["logger"], e["message"], e["service"]) for e in lines] == [
        ("uvicorn.error", "something odd", "links")
    ]


def test_configure_logging_console_format_and_access_log_off(root_logging: None) -> None:
    configure_logging(
        make_test_settings(ServiceSettings, log_format=LogFormat.CONSOLE, access_log=False)
    )
    assert isinstance(logging.getLogger().handlers[-1].formatter, ConsoleFormatter)
    assert logging.getLogger("hop.access").disabled is True
