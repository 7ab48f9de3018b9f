"""Rate limits: per address, per key, failed authentication; in-process and across replicas."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi import FastAPI, Header, HTTPException
from fastapi.responses import JSONResponse

from hop_instrumentation import ServiceSettings, create_app, get_instrumentation
from hop_instrumentation.ratelimit import RATE_LIMITED, client_address
from hop_instrumentation.testing import app_client, make_test_settings, metric_value

REDIS_URL = "redis://127.0.0.1:6379/0"


def build(**overrides: Any) -> FastAPI:
    values = {"rate_limit_per_address": 5, "rate_limit_per_key": 3, "rate_limit_auth_failures": 2}
    app = create_app(make_test_settings(ServiceSettings, **(values | overrides)))

    @app.get("/api/v1/items")
    async def items(authorization: str | None = Header(default=None)) -> dict[str, str]:
        if authorization not in (None, "Bearer good", "Bearer other"):
            raise HTTPException(401, "bad key")
        return {"ok": "yes"}

    @app.get("/api/v1/private")
    async def private(authorization: str | None = Header(default=None)) -> dict[str, str]:
        if authorization != "Bearer good":
            raise HTTPException(401, "no key" if authorization is None else "bad key")
        return {"ok": "yes"}

    @app.get("/elsewhere")
    async def elsewhere() -> dict[str, str]:
        return {"ok": "yes"}

    return app


def refused(app: FastAPI, reason: str) -> float:
    registry = get_instrumentation(app).metrics.registry
    name = "hop_http_rate_limited_requests_total"
    return metric_value(registry, name, {"reason": reason}) or 0.0


async def test_address_over_its_limit_gets_429_with_retry_after_and_ratelimit_headers() -> None:
    app = build()
    async with app_client(app) as client:
        answers = [await client.get("/api/v1/items") for _ in range(6)]
        other_path = await client.get("/elsewhere")
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert answers[0].headers["ratelimit-policy"] == '"auth_failures";q=2;w=60, "address";q=5;w=60'
    assert answers[0].headers["ratelimit"].startswith('"address";r=4;t=')
    last = answers[-1]
    assert 1 <= int(last.headers["retry-after"]) <= 60
    assert last.headers["ratelimit"].startswith('"address";r=0;t=')
    assert last.json()["detail"].startswith("Too many requests (address: 5 per 60 s)")
    assert other_path.status_code == 200  # only the API paths are limited
    assert refused(app, "address") == 1


async def test_the_policy_field_names_each_apps_own_window() -> None:
    answers = []
    for window in (60.0, 30.0):  # the same limits: the field is cached by limits and window
        async with app_client(build(rate_limit_window=window)) as client:
            answers.append((await client.get("/api/v1/items")).headers["ratelimit-policy"])
    assert answers == [
        '"auth_failures";q=2;w=60, "address";q=5;w=60',
        '"auth_failures";q=2;w=30, "address";q=5;w=30',
    ]


async def test_an_answer_with_its_own_ratelimit_fields_keeps_them_alone() -> None:
    app = build()
    upstream = {
        "retry-after": "9",
        "ratelimit-policy": '"key";q=60;w=60',
        "ratelimit": '"key";r=0;t=9',
    }

    @app.get("/api/v1/upstream")
    async def passed_on() -> JSONResponse:
        return JSONResponse({"detail": "upstream limit"}, status_code=429, headers=upstream)

    async with app_client(app) as client:
        answer = await client.get("/api/v1/upstream")
    assert answer.status_code == 429
    assert {name: answer.headers[name] for name in upstream} == upstream


async def test_each_api_key_has_its_own_limit() -> None:
    app = build(rate_limit_per_address=100)
    async with app_client(app) as client:
        good = [await client.get("/api/v1/items", headers={"authorization": "Bearer good"})
                for _ in range(4)]  # fmt: skip
        other = await client.get("/api/v1/items", headers={"authorization": "Bearer other"})
    assert [a.status_code for a in good] == [200, 200, 200, 429]
    assert other.status_code == 200
    assert refused(app, "key") == 1


async def test_failed_authentication_budget_refuses_guesses_but_not_valid_keys() -> None:
    app = build(rate_limit_per_address=100)
    async with app_client(app) as client:
        guesses = [await client.get("/api/v1/items", headers={"authorization": f"Bearer g{n}"})
                   for n in range(3)]  # fmt: skip
        honest = await client.get("/api/v1/items", headers={"authorization": "Bearer good"})
        again = await client.get("/api/v1/items", headers={"authorization": "Bearer g9"})
    assert [a.status_code for a in guesses] == [401, 401, 429]
    assert guesses[2].json()["detail"].startswith("Too many requests (auth_failures: 2 per 60")
    assert int(guesses[2].headers["retry-after"]) >= 1
    # An owner sharing the guesser's address is not locked out; the guesser still is.
    assert honest.status_code == 200
    assert again.status_code == 429
    assert refused(app, "auth_failures") == 2


async def test_requests_without_credentials_neither_spend_nor_meet_the_failure_budget() -> None:
    # A peer's readiness probe or a browser's first try presents no key: it cannot be a guess,
    # so it must not lock the guessing budget of an address many owners share (a proxy).
    app = build(rate_limit_per_address=100)
    async with app_client(app) as client:
        bare = [await client.get("/api/v1/private") for _ in range(5)]
        guesses = [await client.get("/api/v1/private", headers={"authorization": f"Bearer g{n}"})
                   for n in range(3)]  # fmt: skip
        bare_after = await client.get("/api/v1/private")
    assert [a.status_code for a in bare] == [401] * 5
    assert [a.status_code for a in guesses] == [401, 401, 429]
    assert bare_after.status_code == 401
    assert refused(app, "auth_failures") == 1


async def test_zero_turns_a_limit_off() -> None:
    app = build(rate_limit_per_address=0, rate_limit_per_key=0, rate_limit_auth_failures=0)
    async with app_client(app) as client:
        answers = [await client.get("/api/v1/items") for _ in range(20)]
    assert {a.status_code for a in answers} == {200}
    assert "ratelimit" not in answers[0].headers


@pytest.mark.redis
async def test_redis_counters_hold_across_replicas() -> None:
    prefix = uuid.uuid4().hex  # a fresh service name: fresh counters
    replicas = [build(rate_limit_redis_url=REDIS_URL, service_name=prefix) for _ in range(2)]
    async with app_client(replicas[0]) as first, app_client(replicas[1]) as second:
        answers = [await (first if n % 2 else second).get("/api/v1/items") for n in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]


async def test_unreachable_redis_fails_open() -> None:
    app = build(rate_limit_redis_url="redis://127.0.0.1:9/0")
    async with app_client(app) as client:
        answer = await client.get("/api/v1/items")
    assert answer.status_code == 200


def test_forwarded_for_is_believed_only_from_a_trusted_proxy() -> None:
    trusted = make_test_settings(ServiceSettings, trusted_proxies=("10.0.0.0/8",)).trusted_proxies
    headers = [(b"x-forwarded-for", b"203.0.113.9, 198.51.100.7, 10.0.0.3")]
    via_proxy = {"client": ("10.1.2.3", 5000), "headers": headers}
    direct = {"client": ("192.0.2.1", 5000), "headers": headers}
    assert client_address(via_proxy, trusted) == "198.51.100.7"  # the proxy chain's last hop
    assert client_address(direct, trusted) == "192.0.2.1"  # a spoofed header is ignored
    # Whether a peer is trusted is cached: by the peer and the trusted networks together.
    others = make_test_settings(ServiceSettings, trusted_proxies=("192.168.0.0/16",))
    assert client_address(via_proxy, others.trusted_proxies) == "10.1.2.3"
    assert client_address(via_proxy, trusted) == "198.51.100.7"


def test_openapi_documents_the_limits_answers() -> None:
    app = build()

    @app.post("/api/v1/items")
    async def create() -> dict[str, str]:
        return {"ok": "yes"}

    paths = app.openapi()["paths"]
    assert set(paths["/api/v1/items"]["post"]["responses"]) >= {"413", "429"}
    assert "429" in paths["/api/v1/items"]["get"]["responses"]
    assert "429" not in paths["/elsewhere"]["get"]["responses"]
    assert "Retry-After" in paths["/api/v1/items"]["get"]["responses"]["429"]["headers"]


def test_every_reason_is_exported_at_zero_before_any_refusal() -> None:
    registry = get_instrumentation(build()).metrics.registry
    exported = {
        sample.labels["reason"]: sample.value
        for family in registry.collect()
        for sample in family.samples
        if sample.name == RATE_LIMITED
    }
    # The reasons the tests above are refused with: a healthy service shows 0, not no data.
    assert exported == {"auth_failures": 0.0, "address": 0.0, "key": 0.0}
