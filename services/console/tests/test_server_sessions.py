"""Sessions links keeps: sign-out ends every copy, the sessions page ends the others."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from cryptography.fernet import Fernet

from hop_console.sessions import COOKIE_NAME, SessionCodec, SessionState

from .conftest import ALICE_KEY, SECRET

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
HTTPX = f"python-httpx/{httpx.__version__}"  # no browser or system named: shown as it is
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


@asynccontextmanager
async def browser(console: Any, user_agent: str = FIREFOX) -> AsyncIterator[httpx.AsyncClient]:
    """Another browser on the same console (its own cookie jar), signed in as alice."""
    transport = httpx.ASGITransport(console.app)
    headers = {"User-Agent": user_agent}
    async with httpx.AsyncClient(
        transport=transport, base_url="https://console.test", headers=headers
    ) as client:
        page = await client.get("/console/sign-in")
        token = _CSRF.search(page.text)
        assert token is not None
        signed = await client.post(
            "/console/sign-in", data={"key": ALICE_KEY, "csrf": token.group(1)}
        )
        assert signed.status_code == 303
        yield client


async def csrf(client: httpx.AsyncClient) -> str:
    found = _CSRF.search((await client.get("/console/links/new")).text)
    assert found is not None
    return found.group(1)


async def test_the_cookie_holds_links_session_token_and_never_the_key(signed_in: Any) -> None:
    loaded = SessionCodec(SECRET, max_age=60).load(signed_in.client.cookies[COOKIE_NAME])

    assert not isinstance(loaded, str)
    assert (loaded.token, loaded.sid) == ("hops_1", 1)
    assert ALICE_KEY not in json.dumps([loaded.csrf, loaded.token, loaded.sid])
    assert signed_in.links.opened == [{"label": HTTPX, "max_age": 28_800}]


async def test_sign_out_ends_the_session_for_every_copy_of_the_cookie(signed_in: Any) -> None:
    copied = signed_in.client.cookies[COOKIE_NAME]
    token = await signed_in.csrf("/console/links/new")

    out = await signed_in.client.post("/console/sign-out", data={"csrf": token})
    assert out.status_code == 303
    signed_in.client.cookies.set(COOKIE_NAME, copied, domain="console.test")
    replayed = await signed_in.client.get("/console/links")
    signed_in.client.cookies.set(COOKIE_NAME, copied, domain="console.test")
    form = {"url": "https://example.com/", "redirect_status": "302", "csrf": token}
    created = await signed_in.client.post("/console/links", data=form)

    assert signed_in.links.sessions == {}
    assert replayed.status_code == 401
    assert "Your session has ended" in replayed.text
    assert created.status_code == 401
    assert signed_in.links.links == {}


async def test_an_owner_sees_and_ends_another_browsers_session(signed_in: Any) -> None:
    async with browser(signed_in) as other:
        listed = await signed_in.client.get("/console/sessions")
        assert listed.status_code == 200
        assert "Firefox on Linux" in listed.text
        assert f"{HTTPX} <strong>(this browser)</strong>" in listed.text
        assert 'action="/console/sessions/2/end"' in listed.text
        assert 'action="/console/sessions/1/end"' not in listed.text  # its own: sign out

        data = {"csrf": await signed_in.csrf("/console/links/new")}
        ended = await signed_in.client.post("/console/sessions/2/end", data=data)

        assert ended.headers["location"] == "/console/sessions?ended=true"
        assert (await other.get("/console/links")).status_code == 401
        assert (await signed_in.client.get("/console/links")).status_code == 200


async def test_ending_an_unknown_session_or_a_bad_id_answers_4xx(signed_in: Any) -> None:
    data = {"csrf": await signed_in.csrf("/console/links/new")}

    unknown = await signed_in.client.post("/console/sessions/99/end", data=data)
    bad = await signed_in.client.post("/console/sessions/x/end", data=data)
    own = await signed_in.client.post("/console/sessions/1/end", data=data)

    assert unknown.status_code == 303  # gone already: nothing left to end
    assert bad.status_code == 422
    assert own.headers["location"] == "/console/sessions"
    assert (await signed_in.client.get("/console/links")).status_code == 200


async def test_a_session_ended_elsewhere_answers_401_saying_so(signed_in: Any) -> None:
    signed_in.links.sessions.clear()  # an operator ran `hop-links sessions end alice`

    response = await signed_in.client.get("/console/links")

    assert response.status_code == 401
    assert "Your session has ended" in response.text
    assert '<input id="key"' in response.text


async def test_a_cookie_that_held_the_api_key_is_no_session_any_more() -> None:
    codec = SessionCodec(SECRET, max_age=60)
    fernet = codec._fernet  # the old shape, written with today's secret
    old = fernet.encrypt(json.dumps({"csrf": "c", "key": ALICE_KEY}).encode()).decode()
    forged = Fernet(Fernet.generate_key()).encrypt(b"{}").decode()

    assert codec.load(old) == SessionState.INVALID
    assert codec.load(forged) == SessionState.INVALID
    assert codec.load(fernet.encrypt(b"[1]").decode()) == SessionState.INVALID


async def test_signing_in_again_in_one_browser_ends_its_previous_session(signed_in: Any) -> None:
    first = dict(signed_in.links.sessions)

    again = await signed_in.sign_in()

    assert again.status_code == 303
    assert list(signed_in.links.sessions) == ["hops_2"]
    assert set(first) == {"hops_1"}
