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
