"""Console sessions: minted for a key, checked on every request, ended for every copy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI

from hop_contracts import SESSION_PATH, SESSION_TOKEN_PREFIX, SESSIONS_PATH
from hop_instrumentation.database import create_engine
from hop_instrumentation.testing import app_client
from hop_links.accounts import AccountStore
from hop_links.dependencies import services_of
from hop_links.errors import UnauthorizedError
from hop_links.sessions import MAX_SESSIONS_PER_OWNER

from .conftest import bearer, build_app, new_key


async def open_session(
    client: httpx.AsyncClient, key: str, *, label: str = "Firefox", max_age: int = 3600
) -> dict[str, object]:
    response = await client.post(
        SESSIONS_PATH, json={"label": label, "max_age": max_age}, headers=bearer(key)
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


async def test_a_session_token_acts_for_its_key_owner_and_never_is_the_key(
    client: httpx.AsyncClient, key: str
) -> None:
    session = await open_session(client, key)
    token = str(session["token"])

    assert token.startswith(SESSION_TOKEN_PREFIX)
    assert key not in token
    assert (await client.get("/api/v1/links", headers=bearer(token))).status_code == 200


async def test_ending_a_session_stops_every_copy_of_its_token_and_only_it(
    client: httpx.AsyncClient, key: str
) -> None:
    first = await open_session(client, key)
    second = await open_session(client, key)
    token = bearer(str(first["token"]))

    ended = await client.delete(SESSION_PATH.format(session_id=first["id"]), headers=token)

    assert ended.status_code == 204
    again = await client.get("/api/v1/links", headers=token)
    assert again.status_code == 401
    assert again.json() == {"detail": "The session is unknown, ended or expired; sign in again."}
    assert (await client.get(SESSIONS_PATH, headers=token)).status_code == 401
    other = bearer(str(second["token"]))
    assert (await client.get("/api/v1/links", headers=other)).status_code == 200
    assert (await client.get("/api/v1/links", headers=bearer(key))).status_code == 200


async def test_listing_marks_the_current_session_and_shows_only_the_owners(
    app: FastAPI, client: httpx.AsyncClient, key: str
) -> None:
    first = await open_session(client, key, label="Firefox on Linux")
    second = await open_session(client, key, label="Chrome\x00 on Android")
    await open_session(client, await new_key(app))  # another owner's

    listed = await client.get(SESSIONS_PATH, headers=bearer(str(second["token"])))

    assert listed.status_code == 200
    items = listed.json()["items"]
    assert [(i["id"], i["label"], i["current"]) for i in items] == [
        (second["id"], "Chrome on Android", True),
        (first["id"], "Firefox on Linux", False),
    ]


async def test_an_owner_cannot_end_another_owners_session(
    app: FastAPI, client: httpx.AsyncClient, key: str
) -> None:
    mine = await open_session(client, key)
    theirs = await open_session(client, await new_key(app))

    path = SESSION_PATH.format(session_id=theirs["id"])
    response = await client.delete(path, headers=bearer(str(mine["token"])))

    assert response.status_code == 404
    assert response.json()["detail"].startswith("You have no session with the id")
    assert (await client.get("/api/v1/links", headers=bearer(str(theirs["token"])))).is_success


async def test_a_session_cannot_open_another_and_bad_requests_answer_4xx(
    client: httpx.AsyncClient, key: str
) -> None:
    session = await open_session(client, key)
    body = {"label": "x", "max_age": 3600}

    chained = await client.post(SESSIONS_PATH, json=body, headers=bearer(str(session["token"])))
    assert chained.status_code == 401
    for bad in ({"max_age": 10}, {"max_age": 10**9}, {"label": "x" * 101, "max_age": 60}):
        assert (await client.post(SESSIONS_PATH, json=bad, headers=bearer(key))).status_code == 422
    assert (await client.post(SESSIONS_PATH, json=body)).status_code == 401
    unknown = bearer(SESSION_TOKEN_PREFIX + "x" * 32)
    assert (await client.get(SESSIONS_PATH, headers=unknown)).status_code == 401
    path = SESSION_PATH.format(session_id="nope")
    assert (await client.delete(path, headers=bearer(key))).status_code == 422


async def test_opening_more_than_the_cap_ends_the_oldest(
    client: httpx.AsyncClient, key: str
) -> None:
    opened = [await open_session(client, key) for _ in range(MAX_SESSIONS_PER_OWNER + 1)]

    listed = (await client.get(SESSIONS_PATH, headers=bearer(key))).json()["items"]

    assert len(listed) == MAX_SESSIONS_PER_OWNER
    assert opened[0]["id"] not in {item["id"] for item in listed}
    oldest = bearer(str(opened[0]["token"]))
    assert (await client.get("/api/v1/links", headers=oldest)).status_code == 401


async def test_revoking_the_key_ends_the_sessions_made_with_it(
    app: FastAPI, client: httpx.AsyncClient, key: str
) -> None:
    session = await open_session(client, key)
    accounts = services_of(app).accounts
    key_id = (await accounts.authenticate(key)).key_id

    await accounts.revoke_key(key_id)

    response = await client.get("/api/v1/links", headers=bearer(str(session["token"])))
    assert response.status_code == 401


async def test_a_session_stops_when_it_expires(
    database_url: str, app: FastAPI, client: httpx.AsyncClient
) -> None:
    key = await new_key(app)  # the client's lifespan closes the app's engine
    engine = create_engine(database_url)
    moment = [datetime(2030, 1, 1, tzinfo=UTC)]
    try:
        accounts = AccountStore(engine, now=lambda: moment[0])
        caller = await accounts.authenticate(key)
        record, token = await accounts.sessions.open(caller, label="", max_age=60)
        assert (await accounts.authenticate(token)).session_id == record.id
        moment[0] += timedelta(seconds=60)
        refused = await _refused(accounts, token)
        listed = await accounts.sessions.live(caller.owner_id)
    finally:
        await engine.dispose()
    assert (refused, listed) == (True, [])


async def test_an_operator_ends_every_session_of_an_owner(
    app: FastAPI, client: httpx.AsyncClient, key: str
) -> None:
    sessions = [await open_session(client, key) for _ in range(3)]
    accounts = services_of(app).accounts
    owner_id = (await accounts.authenticate(key)).owner_id

    assert await accounts.sessions.end_all(owner_id) == 3

    for session in sessions:
        token = bearer(str(session["token"]))
        assert (await client.get("/api/v1/links", headers=token)).status_code == 401


async def _refused(accounts: AccountStore, token: str) -> bool:
    try:
        await accounts.authenticate(token)
    except UnauthorizedError:
        return True
    return False


async def test_wrong_keys_at_sign_in_spend_the_failed_authentication_budget(
    database_url: str,
) -> None:
    app = build_app(database_url, rate_limit_auth_failures=2)
    body = {"label": "", "max_age": 600}
    wrong = bearer("hop_" + "w" * 32)
    async with app_client(app) as client:
        answers = [
            (await client.post(SESSIONS_PATH, json=body, headers=wrong)).status_code
            for _ in range(3)
        ]
        key = await new_key(app)
        right = await client.post(SESSIONS_PATH, json=body, headers=bearer(key))

    assert answers == [401, 401, 429]
    assert right.status_code == 201  # a valid key still signs in from that address


async def test_an_ended_session_stops_on_another_replica_within_the_key_cache_ttl(
    database_url: str, app: FastAPI, client: httpx.AsyncClient
) -> None:
    key = await new_key(app)
    engine = create_engine(database_url)
    clock = [0.0]
    try:
        ending, other = (
            AccountStore(engine, key_cache_ttl=0.5, clock=lambda: clock[0]) for _ in range(2)
        )
        _, token = await ending.sessions.open(await ending.authenticate(key), label="", max_age=60)
        session = await other.authenticate(token)  # the other replica keeps its caller
        await ending.sessions.end(session.owner_id, session.session_id or 0)
        here = await _refused(ending, token)
        there_at_once = await _refused(other, token)
        clock[0] += 0.5
        there_later = await _refused(other, token)
    finally:
        await engine.dispose()
    assert (here, there_at_once, there_later) == (True, False, True)
