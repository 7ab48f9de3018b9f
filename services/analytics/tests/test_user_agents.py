from __future__ import annotations

import pytest

from hop_analytics._user_agents import Agent, classify_agent


@pytest.mark.parametrize(
    ("user_agent", "expected"),
    [
        (None, Agent("Other", "Other", "other", False)),
        (
            "Googlebot/2.1 (+http://www.google.com/bot.html)",
            Agent("Googlebot", "Other", "bot", True),
        ),
        (
            "Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X) AppleWebKit/605.1.15",
            Agent("Mobile Safari UI/WKWebView", "iOS", "tablet", False),
        ),
        (
            "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0 Mobile Safari/537.36",
            Agent("Chrome", "Android", "mobile", False),
        ),
        ("curl/8.0", Agent("curl", "Other", "other", False)),
    ],
)
def test_classify_agent_known_strings_give_families_and_device(
    user_agent: str | None, expected: Agent
) -> None:
    assert classify_agent(user_agent) == expected
