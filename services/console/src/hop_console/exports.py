"""Stats as CSV: one row per day, then one per breakdown value, bots apart."""

from __future__ import annotations

import csv
import io

from hop_console.models import BREAKDOWNS, Stats

__all__ = ["stats_csv"]


def stats_csv(stats: Stats) -> str:
    """Return ``section,key,clicks,bot_clicks`` rows: days, then each breakdown's top values."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "key", "clicks", "bot_clicks"])
    for day in stats.daily:
        writer.writerow(["day", day.date.isoformat(), day.clicks, day.bot_clicks])
    for field, _heading, _column in BREAKDOWNS:
        for ranked in getattr(stats.top, field):
            writer.writerow([field, _safe(ranked.value), ranked.clicks, ""])
    return out.getvalue()


def _safe(value: str) -> str:
    # A spreadsheet runs a cell starting with = + - @ as a formula: referrers are user input.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
