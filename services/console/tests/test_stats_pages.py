"""Stats pages: a link's chart and breakdowns over a range, CSV export, the owner overview."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hop_console.models import BREAKDOWNS
from hop_contracts import BREAKDOWN_FIELDS

TODAY = datetime.now(UTC).date()


def test_the_pages_show_every_breakdown_analytics_answers_in_its_order() -> None:
    assert tuple(field for field, _heading, _column in BREAKDOWNS) == BREAKDOWN_FIELDS


async def test_link_stats_show_clicks_per_day_bots_apart_and_breakdowns(signed_in: Any) -> None:
    signed_in.links.add("alice", "s", "https://example.com/")
    signed_in.stats.clicks["s"] = {TODAY: (3, 2), TODAY - timedelta(days=1): (1, 0)}
    signed_in.stats.referrers["s"] = {"news.example": 4}

    page = await signed_in.client.get("/console/links/s/stats")

    assert page.status_code == 200
    assert '<dd id="total-clicks">4</dd>' in page.text
    assert '<dd id="bot-clicks">2</dd>' in page.text
    assert page.text.count('<rect class="bar"') == 2
    assert page.text.count('<rect class="bar-bots"') == 1
    assert f"<title>{TODAY}: 3 clicks, 2 by bots</title>" in page.text
    assert "<td>news.example</td>" in page.text
    assert f'name="from" type="date" value="{TODAY - timedelta(days=29)}"' in page.text


async def test_the_range_picker_asks_analytics_for_that_range(signed_in: Any) -> None:
    signed_in.links.add("alice", "s", "https://example.com/")

    page = await signed_in.client.get(
        "/console/links/s/stats", params={"from": "2026-01-01", "to": "2026-01-07"}
    )

    assert page.status_code == 200
    assert len(re.findall(r"<title>2026-01-0\d: 0 clicks", page.text)) == 7


async def test_a_bad_range_answers_422_and_never_asks_analytics(signed_in: Any) -> None:
    signed_in.links.add("alice", "s", "https://example.com/")
    cases = [
        {"from": "2026-02-01", "to": "2026-01-01"},
        {"from": "yesterday"},
        {"from": "2020-01-01", "to": "2026-01-01"},
    ]

    statuses = [
        (await signed_in.client.get("/console/links/s/stats", params=case)).status_code
        for case in cases
    ]

    assert statuses == [422, 422, 422]
    assert signed_in.stats.calls == 0


async def test_csv_export_has_the_days_and_breakdowns_and_defuses_formulas(
    signed_in: Any,
) -> None:
    signed_in.links.add("alice", "s", "https://example.com/")
    signed_in.stats.clicks["s"] = {date(2026, 1, 2): (5, 1)}
    signed_in.stats.referrers["s"] = {"=HYPERLINK(1)": 5}

    response = await signed_in.client.get(
        "/console/links/s/stats.csv", params={"from": "2026-01-01", "to": "2026-01-02"}
    )

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "hop-s-2026-01-01-2026-01-02.csv" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows == [
        ["section", "key", "clicks", "bot_clicks"],
        ["day", "2026-01-01", "0", "0"],
        ["day", "2026-01-02", "5", "1"],
        ["referrers", "'=HYPERLINK(1)", "5", ""],
    ]


async def test_overview_shows_the_owner_wide_stats_in_one_analytics_call(signed_in: Any) -> None:
    signed_in.links.add("alice", "a", "https://example.com/a")
    signed_in.links.add("alice", "b", "https://example.com/b")
    signed_in.links.add("alice", "quiet", "https://example.com/q")
    signed_in.links.add("bob", "c", "https://example.com/c")
    for code, clicks in {"a": (2, 1), "b": (3, 0), "c": (100, 0)}.items():
        signed_in.stats.clicks[code] = {TODAY: clicks}
        signed_in.stats.referrers[code] = {"shared.example": clicks[0]}

    page = await signed_in.client.get("/console/overview")

    assert page.status_code == 200
    assert '<dd id="total-clicks">5</dd>' in page.text
    assert '<dd id="bot-clicks">1</dd>' in page.text
    assert '<td>shared.example</td><td class="num">5</td>' in page.text
    assert "Clicks added up across all your 3 links." in page.text
    assert re.findall(r"/console/links/(\w+)/stats\?", page.text) == ["b", "a"]
    assert signed_in.stats.calls == 1


async def test_overview_of_an_owner_without_clicks_says_so(signed_in: Any) -> None:
    signed_in.links.add("alice", "a", "https://example.com/a")

    page = await signed_in.client.get("/console/overview")

    assert page.status_code == 200
    assert "Clicks of your one link." in page.text
    assert '<dd id="total-clicks">0</dd>' in page.text
    assert page.text.count("No clicks in this range.") == 6  # top links and 5 breakdowns


async def test_overview_of_an_owner_without_links_says_so(signed_in: Any) -> None:
    page = await signed_in.client.get("/console/overview")

    assert (page.status_code, signed_in.stats.calls) == (200, 1)
    assert "You have no links yet." in page.text


async def test_overview_bad_range_answers_422_and_never_asks_analytics(signed_in: Any) -> None:
    page = await signed_in.client.get("/console/overview", params={"from": "2026-13-01"})

    assert page.status_code == 422
    assert signed_in.stats.calls == 0
