"""`make run`'s settings: redirect's access log samples like production unless asked."""

from __future__ import annotations

from pathlib import Path

import pytest
from hop_local.run import parse_args, stack_from_args

from hop_redirect.settings import RedirectSettings


def _redirect_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, environ: dict[str, str]
) -> RedirectSettings:
    stack = stack_from_args(parse_args(["--data-dir", str(tmp_path)]), environ)
    monkeypatch.delenv("HOP_ACCESS_LOG_SAMPLE_RATIO", raising=False)
    # The runner starts each service with {**environ, **stack.env(service)}.
    for name, value in {**environ, **stack.env("redirect")}.items():
        monkeypatch.setenv(name, value)
    return RedirectSettings()


def test_run_redirect_access_log_default_samples_like_production(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _redirect_settings(tmp_path, monkeypatch, {})

    assert settings.access_log_sample_ratio == 0.01
    assert settings.log_format == "console"


def test_run_redirect_access_log_ratio_from_environment_logs_every_redirect(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _redirect_settings(tmp_path, monkeypatch, {"HOP_ACCESS_LOG_SAMPLE_RATIO": "1"})

    assert settings.access_log_sample_ratio == 1.0
