"""docs/security.md names every limit's setting with its default, as ServiceSettings has them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hop_instrumentation import ServiceSettings

DOC = (Path(__file__).resolve().parents[1] / "docs" / "security.md").read_text()
LIMITS = [
    name
    for name in ServiceSettings.model_fields
    if name.startswith(("max_", "rate_limit_", "request_", "keepalive_", "trusted_"))
]


def test_limit_settings_found() -> None:
    assert {"max_body_bytes", "request_body_timeout", "rate_limit_redis_url"} <= set(LIMITS)


@pytest.mark.parametrize("name", LIMITS)
def test_security_doc_names_each_limit_setting(name: str) -> None:
    assert re.search(rf"`HOP_{name.upper()}`", DOC), (
        f"docs/security.md: document HOP_{name.upper()}"
    )


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("max_body_bytes", "65,536 bytes"),
        ("max_batch_body_bytes", "8,388,608 bytes"),
        ("request_body_timeout", "30 seconds"),
        ("request_head_timeout", "5 seconds"),
        ("keepalive_timeout", "95 seconds"),
    ],
)
def test_security_doc_defaults_equal_the_settings(name: str, shown: str) -> None:
    default = ServiceSettings.model_fields[name].default
    assert f"{default:,}".removesuffix(".0") in shown
    assert shown in DOC


def _covering_tests() -> list[tuple[str, str]]:
    """Return (file, test) of every test the "Reproduced problems" table names."""
    table = DOC.partition("## Reproduced problems")[2]
    named: list[tuple[str, str]] = []
    for row in (line for line in table.splitlines() if line.startswith("| ")):
        path = ""
        for file, test in re.findall(r"`([\w/.]*)::(\w+)", row.rpartition(" | ")[2]):
            path = file or path  # "::name" continues the file named before it
            named.append((path, test))
    return named


def test_security_doc_table_names_tests_that_exist() -> None:
    named = _covering_tests()
    root = Path(__file__).resolve().parents[1]
    missing = [
        f"{file}::{test}"
        for file, test in named
        if not (root / file).is_file() or not re.search(rf"def {test}\b", (root / file).read_text())
    ]
    assert len(named) > 20
    assert missing == []
