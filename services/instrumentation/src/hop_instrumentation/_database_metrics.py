"""How long database operations take: ``db_client_operation_duration_seconds``.

Public through `hop_instrumentation.database`. Named after the OpenTelemetry database
semantic conventions (``db.client.operation.duration``, attributes ``db.system.name`` and
``db.operation.name``), as the HTTP server metrics are after the HTTP ones. The operation
is the statement's first keyword from a fixed set, so the labels stay few whatever the SQL.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from time import perf_counter
from typing import Any, Final, Protocol

from prometheus_client import CollectorRegistry, Histogram
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from hop_instrumentation._collectors import LockFreeHistogram
from hop_instrumentation.metrics import is_multiprocess

__all__ = [
    "DB_DURATION_BUCKETS",
    "DB_OPERATION_DURATION",
    "DatabaseMetrics",
    "db_span_attributes",
    "operation_name",
]

DB_OPERATION_DURATION: Final = "db_client_operation_duration_seconds"
#: The boundaries the database semantic conventions advise, plus finer ones at the low
#: end: a lookup by primary key on a warm PostgreSQL takes well under a millisecond.
DB_DURATION_BUCKETS: Final = (
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
    5.0, 10.0,
)  # fmt: skip
#: ``db_operation_name`` values; any other statement (BEGIN, PRAGMA, DDL...) is ``_OTHER``.
OPERATIONS: Final = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "WITH"})
_OTHER: Final = "_OTHER"
_STARTED: Final = "hop_db_operation_started"
#: Distinct statements whose histogram child is kept (statements repeat: they are cached).
_MAX_STATEMENTS: Final = 1024


class _Observer(Protocol):
    def observe(self, amount: float) -> None: ...


def operation_name(statement: str) -> str:
    """Return the ``db_operation_name`` of a SQL statement: its first keyword, or ``_OTHER``."""
    words = statement[:16].split(None, 1)
    word = words[0].upper() if words else ""
    return word if word in OPERATIONS else _OTHER


def db_span_attributes(
    system: str, statement: str, *, collection: str | None = None
) -> dict[str, str]:
    """Return a database client span's attributes, on the current conventions' names.

    ``db.system.name``, ``db.query.text`` and ``db.operation.name`` (the statement's first
    keyword, as the duration metric's ``db_operation_name``; left out when it is
    ``_OTHER``), and ``db.collection.name`` when the caller knows the table.
    """
    attributes = {"db.system.name": system, "db.query.text": statement}
    operation = operation_name(statement)
    if operation != _OTHER:
        attributes["db.operation.name"] = operation
    if collection is not None:
        attributes["db.collection.name"] = collection
    return attributes


class DatabaseMetrics:
    """Time database operations into ``db_client_operation_duration_seconds``.

    Usage::

        database = DatabaseMetrics(hop.metrics.registry)
        database.instrument(engine)  # every statement SQLAlchemy runs on ``engine``
        with database.timed("postgresql", statement):  # a driver call SQLAlchemy never sees
            row = await connection.fetchrow(statement)

    Failed statements are timed too. Each statement costs two clock reads and a dict lookup.
    """

    def __init__(self, registry: CollectorRegistry) -> None:
        labels = ["db_system_name", "db_operation_name"]
        doc = "Duration of database client operations (one statement, as the driver ran it)."
        self._duration: LockFreeHistogram | Histogram
        if is_multiprocess():
            self._duration = Histogram(
                DB_OPERATION_DURATION, doc, labels, buckets=DB_DURATION_BUCKETS, registry=registry
            )
        else:
            self._duration = LockFreeHistogram(
                DB_OPERATION_DURATION, doc, labels, DB_DURATION_BUCKETS
            )
            registry.register(self._duration)
        self._observers: dict[tuple[str, str], _Observer] = {}

    def observe(self, system: str, statement: str, seconds: float) -> None:
        """Record that ``statement`` took ``seconds`` on a ``system`` database."""
        self._observer(system, statement).observe(seconds)

    def timed(self, system: str, statement: str) -> AbstractContextManager[None]:
        """Time the block as one run of ``statement``, whether it succeeds or raises."""
        return _Timing(self._observer(system, statement))

    def instrument(self, engine: AsyncEngine) -> None:
        """Time every statement SQLAlchemy runs on ``engine`` (cursor execution only)."""
        system = engine.dialect.name
        sync_engine = engine.sync_engine

        def started(connection: Any, *_: Any) -> None:
            connection.info[_STARTED] = perf_counter()

        def finished(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
            began = connection.info.pop(_STARTED, None)
            if began is not None:
                self._observer(system, statement).observe(perf_counter() - began)

        def failed(context: Any) -> None:
            connection = context.connection
            if connection is not None and context.statement is not None:
                finished(connection, None, context.statement)

        event.listen(sync_engine, "before_cursor_execute", started)
        event.listen(sync_engine, "after_cursor_execute", finished)
        event.listen(sync_engine, "handle_error", failed)

    def _observer(self, system: str, statement: str) -> _Observer:
        key = (system, statement)
        observer = self._observers.get(key)
        if observer is None:
            observer = self._duration.labels(system, operation_name(statement))
            if len(self._observers) < _MAX_STATEMENTS:
                self._observers[key] = observer
        return observer


class _Timing(AbstractContextManager[None]):
    """A ``with`` block's duration into one observer (a class: cheaper than a generator)."""

    __slots__ = ("_observer", "_started")

    def __init__(self, observer: _Observer) -> None:
        self._observer = observer
        self._started = 0.0

    def __enter__(self) -> None:
        self._started = perf_counter()

    def __exit__(self, *_: object) -> None:
        self._observer.observe(perf_counter() - self._started)
