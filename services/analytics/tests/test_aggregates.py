from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import DateTime
from sqlalchemy.dialects import sqlite

from hop_analytics._aggregates import summarize
from hop_analytics._bulk_sql import SQLITE_STAMP, sqlite_stamp
from hop_analytics._event_rows import EventRow
from hop_analytics.dimensions import MISSING_VALUE


def _row(link: str, day: int, *, bot: bool = False, country: str | None = "DE") -> EventRow:
    moment = datetime(2026, 11, day, 23, 59, tzinfo=UTC)
    device = "bot" if bot else "desktop"
    return EventRow(
        f"e{link}{day}{bot}", link, "c", moment, bot, "a.example", "B", "O", device, country
    )


def test_summarize_batch_sums_each_key_once_humans_and_bots_apart() -> None:
    rows = [_row("L1", 1), _row("L1", 1), _row("L1", 1, bot=True), _row("L2", 2, country=None)]
    summary = summarize(rows)
    assert summary.daily == {("L1", date(2026, 11, 1)): [2, 1], ("L2", date(2026, 11, 2)): [1, 0]}
    first, second = date(2026, 11, 1), date(2026, 11, 2)
    assert summary.breakdown == {
        ("L1", first, "referrer", "a.example"): [2, 1],
        ("L1", first, "browser", "B"): [2, 1],
        ("L1", first, "os", "O"): [2, 1],
        ("L1", first, "device", "desktop"): [2, 0],
        ("L1", first, "device", "bot"): [0, 1],
        ("L1", first, "country", "DE"): [2, 1],
        ("L2", second, "referrer", "a.example"): [1, 0],
        ("L2", second, "browser", "B"): [1, 0],
        ("L2", second, "os", "O"): [1, 0],
        ("L2", second, "device", "desktop"): [1, 0],
        ("L2", second, "country", MISSING_VALUE): [1, 0],
    }


def test_summarize_no_rows_gives_no_increments() -> None:
    summary = summarize([])
    assert (summary.daily, summary.breakdown) == ({}, {})


def test_sqlite_stamp_formats_moments_as_sqlalchemy_stores_them() -> None:
    dialect = sqlite.dialect()
    process = DateTime().dialect_impl(dialect).bind_processor(dialect)
    assert process is not None
    moments = [
        datetime(2000, 1, 1, tzinfo=UTC),
        datetime(2026, 11, 29, 7, 5, 3, 42, tzinfo=UTC),
        datetime(8999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(2026, 11, 29, 7, 5, 3, 120_000),  # naive, as SQLite reads them back
    ]
    stored = [process(m) for m in moments]
    assert [format(moment, SQLITE_STAMP) for moment in moments] == stored
    assert [sqlite_stamp(moment) for moment in moments] == stored
