from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hop_analytics._event_rows import EventRow, enrich, referrer_host
from hop_analytics.dimensions import DIMENSIONS, dimension_values
from hop_analytics.events import Click


def test_event_row_has_an_attribute_per_dimension_column() -> None:
    names = list(EventRow.__struct_fields__)
    assert names[-len(DIMENSIONS) :] == [dimension.column for dimension in DIMENSIONS]


def test_enrich_click_gives_dimension_values_in_dimension_order() -> None:
    click = Click(
        id="a",
        link_id="L1",
        code="abc1234",
        timestamp=datetime(2026, 11, 28, tzinfo=UTC),
        referrer="https://News.Example/a",
        user_agent="curl/8.0",
        is_bot=False,
        country=None,
    )
    assert dimension_values(enrich(click)) == ("news.example", "curl", "Other", "other", None)


@pytest.mark.parametrize(
    ("referrer", "host"),
    [
        (None, "(direct)"),
        ("", "(direct)"),
        ("https://News.Example:8443/a?b", "news.example"),
        ("not a url", "(direct)"),
        ("http://[::1", "(direct)"),
    ],
)
def test_referrer_host_various_referrers_reduce_to_host(referrer: str | None, host: str) -> None:
    assert referrer_host(referrer) == host
