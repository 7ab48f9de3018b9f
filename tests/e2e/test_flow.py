"""Through the edge: routes reach the right service, clicks are counted exactly."""

from __future__ import annotations

import httpx
import pytest
from hop_e2e_flow import (
    Clicks,
    assert_counted_exactly,
    assert_disabled_link_stops_counting,
    click,
    create_link,
)
from hop_e2e_stack import RunningStack, hermetic_env
from hop_local.prepare import create_api_key
from hop_local.services import SERVICES

from hop_instrumentation.testing import eventually

pytestmark = pytest.mark.process


def _answered_by(hop: RunningStack, path: str) -> set[str]:
    """Return the services whose access log has a request for ``path``."""
    return {
        service
        for service in SERVICES
        if any(event.get("url_path") == path for event in hop.log_events(service))
    }


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/api/v1/links", "links"),
        ("/api/v1/links:batch", "links"),
        ("/api/v1/links:ids", "links"),
        ("/api/v1/links/e2e-route-probe", "links"),
        ("/api/v1/domains", "links"),
        ("/api/v1/domains/e2e.example:verify", "links"),
        ("/.well-known/hop-challenge/e2e-route-probe", "links"),
        ("/api/v1/stats/e2e-route-probe", "analytics"),
        ("/api/v1/stats", "analytics"),
        ("/e2e-route-probe", "redirect"),
        ("/api/v2/e2e-route-probe", "redirect"),
        ("/internal/v1/links/e2e-internal-probe", "redirect"),
        ("/metrics", "redirect"),
    ],
)
def test_edge_path_routed_to_the_chart_service(hop: RunningStack, path: str, service: str) -> None:
    with hop.client() as client:
        answer = client.get(path)
    assert answer.status_code in {401, 404, 405}, answer.text  # 405: GET on the batch route
    assert answer.headers["content-type"] == "application/json"
    assert eventually(lambda: _answered_by(hop, path), bool) == {service}


def test_link_created_followed_and_counted_through_the_edge_bots_apart(hop: RunningStack) -> None:
    link = create_link(hop)
    made = Clicks(humans=5, bots=2)
    click(hop, link["code"], made)
    assert_counted_exactly(hop, link["code"], made)


def test_disabled_link_served_from_cache_stops_counting_on_sqlite(hop: RunningStack) -> None:
    assert_disabled_link_stops_counting(hop)


def test_owner_wide_stats_through_the_edge_count_only_the_owners_current_links(
    hop: RunningStack,
) -> None:
    auth = {"Authorization": f"Bearer {create_api_key(hop.stack, hermetic_env(), 'e2e-wide')}"}
    with hop.client() as client:
        made = [
            client.post("/api/v1/links", json={"url": f"https://example.com/w{i}"}, headers=auth)
            for i in range(3)
        ]
        assert [answer.status_code for answer in made] == [201] * 3
        kept, other, deleted = (answer.json()["code"] for answer in made)
        click(hop, kept, Clicks(humans=2, bots=1))
        click(hop, other, Clicks(humans=1, bots=0))
        click(hop, deleted, Clicks(humans=4, bots=0))

        def owner_wide() -> dict[str, object]:
            body: dict[str, object] = client.get("/api/v1/stats", headers=auth).json()
            return body

        before = eventually(owner_wide, lambda body: body["total_clicks"] == 7)
        assert client.delete(f"/api/v1/links/{deleted}", headers=auth).status_code == 204
        after = eventually(owner_wide, lambda body: body["links"] == 2)
    assert (before["total_clicks"], before["bot_clicks"], before["links"]) == (7, 1, 3)
    assert (after["total_clicks"], after["bot_clicks"]) == (3, 1)
    assert after["top_links"] == [
        {"code": kept, "domain": "127.0.0.1", "clicks": 2, "bot_clicks": 1},
        {"code": other, "domain": "127.0.0.1", "clicks": 1, "bot_clicks": 0},
    ]


def test_follow_through_the_edge_redirects_to_the_target(hop: RunningStack) -> None:
    link = create_link(hop, "https://example.com/e2e/target?x=1")
    with hop.client() as client:
        answer = client.get(f"/{link['code']}")
    assert answer.status_code == 302
    assert answer.headers["location"] == "https://example.com/e2e/target?x=1"


def test_stats_with_unknown_key_through_the_edge_unauthorized(hop: RunningStack) -> None:
    link = create_link(hop)
    with hop.client() as client:
        answer = client.get(f"/api/v1/stats/{link['code']}", headers={"Authorization": "Bearer x"})
    assert answer.status_code == 401
    assert answer.json() == {"detail": "Unknown or revoked API key."}


def test_edge_refuses_a_body_over_the_cap_before_links_sees_it(hop: RunningStack) -> None:
    body = b'{"url":"https://example.com/' + b"x" * 200_000 + b'"}'
    headers = {**hop.auth, "content-type": "application/json"}
    with hop.client() as client:
        answer = client.post("/api/v1/links", content=body, headers=headers)
    assert answer.status_code == 413
    # The edge's own answer: links answers the same body with JSON.
    assert not answer.headers.get("content-type", "").startswith("application/json")
    links = hop.stack.api_url("links") + "/api/v1/links"
    direct = httpx.post(links, content=body, headers=headers, timeout=10)
    assert direct.status_code == 413
    assert direct.headers["content-type"] == "application/json"


def test_internal_routes_answer_on_the_internal_port_never_on_the_api_port(
    hop: RunningStack,
) -> None:
    link = create_link(hop)
    path = f"/internal/v1/links/{link['code']}"
    internal = httpx.get(hop.stack.internal_url("links") + path, timeout=10)
    public = httpx.get(hop.stack.api_url("links") + path, timeout=10)
    feed = "/internal/v1/link-changes"  # analytics reads links' disables and enables there
    internal_feed = httpx.get(hop.stack.internal_url("links") + feed, timeout=10)
    public_feed = httpx.get(hop.stack.api_url("links") + feed, timeout=10)
    assert internal.status_code == 200
    assert internal.json()["url"] == link["url"]
    assert (public.status_code, public.json()) == (404, {"detail": "Not Found"})
    assert (internal_feed.status_code, public_feed.status_code) == (200, 404)
