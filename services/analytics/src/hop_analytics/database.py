"""Where the analytics service keeps its Alembic migrations (engine: hop_instrumentation).

On SQLite, intake's engine also checkpoints its write-ahead log less often
(`checkpoint_later`).
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from hop_instrumentation.database import Migrations, is_sqlite

__all__ = ["MIGRATIONS", "SQLITE_CHECKPOINT_PAGES", "checkpoint_later"]

#: ``await MIGRATIONS.upgrade(engine)`` runs ``hop_analytics/migrations`` on the engine's database.
MIGRATIONS: Final = Migrations("hop_analytics:migrations")

#: WAL pages a commit lets pile up before it copies them into the database (SQLite's
#: default: 1,000, about 4 MB). Every intake transaction rewrites pages of the event-id
#: index it rewrote a moment before; a checkpoint copies each page once however often it
#: was logged, so a longer log copies fewer. The log file grows to about 40 MB. Nothing
#: about durability changes: a commit is in the log either way.
SQLITE_CHECKPOINT_PAGES: Final = 10_000


def checkpoint_later(engine: AsyncEngine) -> None:
    """On SQLite, let each connection log `SQLITE_CHECKPOINT_PAGES` before a checkpoint."""
    if is_sqlite(engine):
        event.listen(engine.sync_engine, "connect", _checkpoint_later)


def _checkpoint_later(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_CHECKPOINT_PAGES}")
    cursor.close()
