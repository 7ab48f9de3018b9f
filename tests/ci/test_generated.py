"""Every file the registry decides is committed as `make generate` writes it.

The generator runs in a copy of the repository; any file it would change is a file someone
edited by hand or forgot to regenerate.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hop_generate.testing import copy_repository, run_in_copy


def test_make_generate_changes_nothing(tmp_path: Path) -> None:
    copy = copy_repository(tmp_path / "repo")
    done = run_in_copy(copy, "hop_generate")
    assert done.returncode == 0, done.stderr
    changed = [line.removeprefix("wrote ") for line in done.stdout.splitlines()]
    if changed:
        pytest.fail(
            f"{', '.join(changed)} differ from what the registry generates "
            "(services/*/pyproject.toml [tool.hop], the library's defaults): run `make generate` "
            "and commit the result; edit the registry, never a generated part by hand."
        )


def test_make_generate_names_a_hand_edited_file(tmp_path: Path) -> None:
    copy = copy_repository(tmp_path / "repo")
    skaffold = copy / "skaffold.yaml"
    skaffold.write_text(skaffold.read_text().replace("target: runtime", "target: other", 1))
    done = run_in_copy(copy, "hop_generate")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["wrote skaffold.yaml"]


def test_make_generate_refuses_a_values_file_without_its_marker(tmp_path: Path) -> None:
    copy = copy_repository(tmp_path / "repo")
    values = copy / "charts" / "links" / "values.yaml"
    values.write_text(values.read_text().split("# ---- generated", 1)[0])
    done = run_in_copy(copy, "hop_generate")
    assert done.returncode == 1
    assert "charts/links/values.yaml has no line" in done.stderr
    assert "put it back below the service's own settings" in done.stderr
