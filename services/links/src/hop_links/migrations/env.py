"""Alembic's environment: the migrations run on the connection `Migrations` hands over."""

from __future__ import annotations

from hop_instrumentation.database import run_env
from hop_links.tables import metadata

run_env(metadata)
