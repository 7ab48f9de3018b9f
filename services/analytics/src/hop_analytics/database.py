"""Where the analytics service keeps its Alembic migrations (engine: hop_instrumentation)."""

from __future__ import annotations

from typing import Final

from hop_instrumentation.database import Migrations

__all__ = ["MIGRATIONS"]

#: ``await MIGRATIONS.upgrade(engine)`` runs ``hop_analytics/migrations`` on the engine's database.
MIGRATIONS: Final = Migrations("hop_analytics:migrations")
