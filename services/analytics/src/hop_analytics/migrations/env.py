"""Alembic's environment: the migrations run on the connection `Migrations` hands over."""

from __future__ import annotations

from hop_analytics.tables import metadata
from hop_instrumentation.database import run_env

run_env(metadata)
