from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from hop_links.validation import MAX_URL_LENGTH

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
LINK_ID = re.compile(r"^[0-9a-f]{32}$")


def link_body(code: str, url: str = "https://example.com/a", **changes: Any) -> dict[str, Any]:
    return {
        "code": code,
        "domain": "hop.test",
        "short_url": f"https://hop.test/{code}",
        "url": url,
        "redirect_status": 302,
        "forward_query": False,
        "expires_at": None,
        "disabled": False,
        "tags": [],
        **changes,
    }


def without_times(body: dict[str, Any]) -> dict[str, Any]:
    """Check and remove what the server generates: the id and both timestamps."""
    assert LINK_ID.match(body.pop("id"))
    assert ISO.match(body.pop("created_at"))
    assert ISO.match(body.pop("updated_at"))
    return body


async def test_create_minimal_body_answers_201_with_a_random_code(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/links", json={"url": "https://example.com/a"}, headers=auth
    )
    assert response.status_code == 201
    body = without_times(response.json())
    assert re.fullmatch(r"[A-Za-z0-9]{7}", body["code"])
    assert body == link_body(body["code"])


async def test_create_every_field_is_stored_and_returned(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    request = {
        "url": "https://example.com/b?x=1",
        "code": "Spring_sale-2030",
        "redirect_status": 308,
        "forward_query": True,
        "expires_at": "2030-01-01T02:00:00+02:00",
        "tags": ["zeta", "campaign:spring", "zeta"],
    }
    response = await client.post("/api/v1/links", json=request, headers=auth)
    assert response.status_code == 201
    expected = link_body(
        "Spring_sale-2030",
        url="https://example.com/b?x=1",
        redirect_status=308,
        forward_query=True,
        expires_at="2030-01-01T00:00:00Z",
        tags=["campaign:spring", "zeta"],
    )
    assert without_times(response.json()) == expected
    fetched = await client.get("/api/v1/links/Spring_sale-2030", headers=auth)
    assert without_times(fetched.json()) == expected


@pytest.mark.parametrize("tags", [[], ["with-tags"]])
async def test_create_taken_alias_answers_409(
    client: httpx.AsyncClient, auth: dict[str, str], tags: list[str]
) -> None:
    request = {"url": "https://example.com/a", "code": "taken", "tags": tags}
    assert (await client.post("/api/v1/links", json=request, headers=auth)).status_code == 201
    response = await client.post("/api/v1/links", json=request, headers=auth)
    assert response.status_code == 409
    assert response.json() == {"detail": "The code 'taken' is already taken; choose another alias."}
    listed = await client.get("/api/v1/links", params={"tag": "with-tags"}, headers=auth)
    assert len(listed.json()["items"]) == len(tags)  # the refused link left no tag behind


@pytest.mark.parametrize(
    ("request_body", "field", "message"),
    [
        ({"url": "javascript:alert(1)"}, "url", "absolute http:// or https:// URL"),
        ({"url": "data:text/html,hi"}, "url", "absolute http:// or https:// URL"),
        ({"url": "file:///etc/passwd"}, "url", "absolute http:// or https:// URL"),
        ({"url": "ftp://example.com/"}, "url", "absolute http:// or https:// URL"),
        ({"url": "/relative/path"}, "url", "absolute http:// or https:// URL"),
        ({"url": "https://"}, "url", "must name a host"),
        ({"url": "https://user:pw@example.com/"}, "url", "user name or password"),
        ({"url": "https://example.com/a b"}, "url", "whitespace or control characters"),
        ({"url": "http://[::1/"}, "url", "is not a valid URL"),
        ({"url": "https://example.com:99999/"}, "url", "is not a valid URL"),
        ({"url": "https://HOP.test./x"}, "url", "redirect in a loop"),
        ({"url": "http://hop.test:8080/x"}, "url", "redirect in a loop"),
        ({"url": "https://example.com", "code": "API"}, "code", "reserved by hop"),
        ({"url": "https://example.com", "code": "Metrics"}, "code", "reserved by hop"),
        ({"url": "https://example.com", "code": "readyz"}, "code", "reserved by hop"),
        ({"url": "https://example.com", "expires_at": "2020-01-01T00:00:00Z"},
         "expires_at", "in the future"),
        ({"url": "https://example.com", "expires_at": "9999-12-31T23:59:59-23:59"},
         "expires_at", "out of range"),
        ({"url": "https://example.com", "expires_at": "9500-01-01T00:00:00Z"},
         "expires_at", "before the year 9000"),
    ],
)  # fmt: skip
async def test_create_rule_broken_answers_422_naming_the_field(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    request_body: dict[str, Any],
    field: str,
    message: str,
) -> None:
    response = await client.post("/api/v1/links", json=request_body, headers=auth)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", field]
    assert message in error["msg"]


@pytest.mark.parametrize(
    ("request_body", "field"),
    [
        ({}, "url"),
        ({"url": "https://example.com/" + "a" * MAX_URL_LENGTH}, "url"),
        ({"url": ""}, "url"),
        ({"url": "https://example.com", "code": "ab"}, "code"),
        ({"url": "https://example.com", "code": "-leading"}, "code"),
        ({"url": "https://example.com", "code": "has space"}, "code"),
        ({"url": "https://example.com", "code": "x" * 65}, "code"),
        ({"url": "https://example.com", "code": "robots.txt"}, "code"),
        ({"url": "https://example.com", "redirect_status": 303}, "redirect_status"),
        ({"url": "https://example.com", "expires_at": "2030-01-01T00:00:00"}, "expires_at"),
        ({"url": "https://example.com", "tags": [f"t{i}" for i in range(11)]}, "tags"),
        ({"url": "https://example.com", "tags": ["x" * 33]}, "tags"),
        ({"url": "https://example.com", "tags": ["bad tag"]}, "tags"),
        ({"url": "https://example.com", "unknown": 1}, "unknown"),
    ],
)
async def test_create_schema_violation_answers_422_naming_the_field(
    client: httpx.AsyncClient, auth: dict[str, str], request_body: dict[str, Any], field: str
) -> None:
    response = await client.post("/api/v1/links", json=request_body, headers=auth)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:2] == ["body", field]


async def test_create_malformed_json_answers_422(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    headers = {**auth, "content-type": "application/json"}
    response = await client.post("/api/v1/links", content=b"{not json", headers=headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"
