"""The thin charts' values over the library's defaults: strict-schema valid, every key commented."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hop_chart_helpers import CHARTS, SERVICES
from hop_local.services import by_name

DEFAULTS = CHARTS / "hop-service" / "templates" / "_hop-service.defaults.tpl"
KEY = re.compile(r"^\s*([A-Za-z][\w.-]*):")


def _defaults_text() -> str:
    """Return the YAML inside the hop-service.defaults define."""
    lines = DEFAULTS.read_text().splitlines()
    start = lines.index('{{- define "hop-service.defaults" -}}') + 1
    return "\n".join(lines[start : lines.index("{{- end -}}")])


def _merged(defaults: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """Return ``values`` deep-merged over ``defaults`` (as hop-service.values does)."""
    merged = dict(defaults)
    for key, value in values.items():
        base = merged.get(key)
        both_maps = isinstance(base, dict) and isinstance(value, dict)
        merged[key] = _merged(base, value) if both_maps else value
    return merged


def _uncommented_keys(text: str) -> list[str]:
    """Return the mapping keys whose previous line is no comment (list items' content skipped)."""
    missing: list[str] = []
    previous, list_indent = "", -1
    for line in (line for line in text.splitlines() if line.strip()):
        indent = len(line) - len(line.lstrip())
        if list_indent >= 0 and indent > list_indent:
            previous = line
            continue
        list_indent = indent if line.lstrip().startswith("- ") else -1
        match = KEY.match(line)
        if match and list_indent < 0 and not previous.lstrip().startswith("#"):
            missing.append(match.group(1))
        previous = line
    return missing


@pytest.mark.parametrize("service", SERVICES)
def test_thin_values_over_library_defaults_valid_for_the_strict_schema(service: str) -> None:
    values = yaml.safe_load((CHARTS / service / "values.yaml").read_text())
    merged = _merged(yaml.safe_load(_defaults_text()), values)
    if not by_name(service).database:
        merged.pop("migration")  # the library's default, off; the chart's schema has no such key
    schema = json.loads((CHARTS / service / "values.schema.json").read_text())
    jsonschema.validate(merged, schema)


def test_library_defaults_leave_no_thin_chart_key_unset() -> None:
    defaults = yaml.safe_load(_defaults_text())
    for service in SERVICES:
        values = yaml.safe_load((CHARTS / service / "values.yaml").read_text())
        schema = json.loads((CHARTS / service / "values.schema.json").read_text())
        unset = set(schema["properties"]) - set(defaults) - set(values) - {"hop-service"}
        assert unset == set(), service


@pytest.mark.parametrize(
    "path",
    [DEFAULTS, *(CHARTS / service / "values.yaml" for service in SERVICES)],
    ids=lambda path: str(path.relative_to(CHARTS)),
)
def test_values_every_key_has_a_comment(path: Path) -> None:
    text = _defaults_text() if path == DEFAULTS else path.read_text()
    assert _uncommented_keys(text) == []


def test_uncommented_keys_found_outside_lists_only() -> None:
    text = "# -- a\na:\n  b: 1\n  # -- c\n  c:\n    - x:\n        y: 1\n  d: 2\n"
    assert _uncommented_keys(text) == ["b", "d"]
