"""The user's flow through the cluster's Ingress: create a link, follow it, read its stats."""

from __future__ import annotations

import os
import uuid
from typing import Any

import httpx
import pytest
from hop_cluster import Cluster, eventually

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CRAWLER = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def _create_link(cluster: Cluster, auth: dict[str, str]) -> dict[str, Any]:
    target = f"https://example.com/cluster/{uuid.uuid4().hex}"
    with cluster.client() as client:
        answer = client.post("/api/v1/links", json={"url": target}, headers=auth)
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    assert body["url"] == target
    assert body["short_url"] == f"{cluster.public_base}/{body['code']}"
    return body


def _stats(cluster: Cluster, auth: dict[str, str], code: str) -> dict[str, Any]:
    with cluster.client() as client:
        answer = client.get(f"/api/v1/stats/{code}", headers=auth)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_link_created_through_ingress_redirects_with_location(
    cluster: Cluster, auth: dict[str, str]
) -> None:
    link = _create_link(cluster, auth)
    with cluster.client() as client:
        answer = client.get(f"/{link['code']}", headers={"User-Agent": BROWSER})
    assert answer.status_code == 302, answer.text
    assert answer.headers["location"] == link["url"]


def test_clicks_through_ingress_counted_by_pipeline_bots_apart(
    cluster: Cluster, auth: dict[str, str]
) -> None:
    link = _create_link(cluster, auth)
    with cluster.client() as client:
        for agent in [BROWSER] * 3 + [CRAWLER]:
            answer = client.get(f"/{link['code']}", headers={"User-Agent": agent})
            assert answer.status_code == 302, answer.text
    # redirect -> Redis stream -> analytics consumer -> PostgreSQL: poll, bounded.
    stats = eventually(
        lambda: _stats(cluster, auth, link["code"]),
        lambda body: body["total_clicks"] >= 3 and body["bot_clicks"] >= 1,
    )
    assert (stats["total_clicks"], stats["bot_clicks"]) == (3, 1)
    assert sum(day["clicks"] for day in stats["daily"]) == 3


def test_unknown_code_through_ingress_not_found_json(cluster: Cluster) -> None:
    with cluster.client() as client:
        answer = client.get(f"/no-such-{uuid.uuid4().hex[:8]}")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == {"detail": "No link has this code."}


def test_stats_with_unknown_key_through_ingress_unauthorized(cluster: Cluster) -> None:
    with cluster.client() as client:
        answer = client.get("/api/v1/stats/anything", headers={"Authorization": "Bearer x"})
    assert answer.status_code == 401
    assert answer.json() == {"detail": "Unknown or revoked API key."}


def test_plain_http_answers_only_a_redirect_to_https_when_https_is_on(cluster: Cluster) -> None:
    if cluster.scheme != "https":
        pytest.skip("the release serves plain HTTP (global.https=false)")
    plain = os.environ.get("HOP_CLUSTER_HTTP_URL", "http://127.0.0.1:8080")
    with httpx.Client(base_url=plain, headers={"Host": cluster.host}, timeout=15) as client:
        answer = client.get("/api/v1/links", headers={"Authorization": "Bearer x"})
    assert answer.status_code in {301, 308}
    assert answer.headers["location"].startswith(f"https://{cluster.host}/")
