"""Property: any body posted to any console form answers a page, never a 5xx.

Hypothesis throws raw bytes, and forms of the page's field names (or others) with any
text, percent-escapes, NULs and lone surrogates, with or without the session's CSRF
token, at every form the console has, signed in as alice.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import ALICE_KEY, Console, start_console

FORMS = (
    "/console/sign-in",
    "/console/sign-out",
    "/console/links",
    "/console/links/mine",
    "/console/links/mine/disable",
    "/console/links/mine/delete",
    "/console/sessions/2/end",
    "/console/sessions/{text}/end",
    "/console/links/{text}",
    "/console/domains",
    "/console/domains/go.acme.com/verify",
    "/console/domains/go.acme.com/delete",
    "/console/domains/{text}/delete",
)
FIELDS = ("csrf", "key", "next", "url", "code", "redirect_status", "forward_query", "tags",
          "expires_at", "disabled", "domain", "name", "confirm")  # fmt: skip
_NASTY = st.sampled_from(["\x00", "\ud800", "%", "%zz", "%FF%FE", "é", "😀", "\r\n", "&", "="])
_TEXT = st.one_of(st.text(max_size=60), _NASTY, st.text(min_size=2000, max_size=2100))
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PROPERTY = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _encoded(fields: list[tuple[str, str]], csrf: bool) -> bytes:
    pairs = [(quote(n, safe="", errors="surrogatepass"), quote(v, safe="%", errors="surrogatepass"))
             for n, v in fields]  # fmt: skip
    if csrf:
        pairs.append(("csrf", "{csrf}"))
    return "&".join(f"{n}={v}" for n, v in pairs).encode("utf-8", "surrogatepass")


_FIELD_LISTS = st.lists(st.tuples(st.one_of(st.sampled_from(FIELDS), _TEXT), _TEXT), max_size=60)
#: Many short fields, around the parser's cap of 50.
_MANY = st.builds(
    lambda n, csrf: _encoded([("f", "x")] * n, csrf), st.integers(40, 80), st.booleans()
)
BODIES = st.one_of(st.binary(max_size=400), st.builds(_encoded, _FIELD_LISTS, st.booleans()), _MANY)


@pytest.fixture
def runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as loop:
        yield loop


async def _prepare(console: Console) -> str:
    """Sign alice in (again), give her the link and domain the forms change; return the CSRF
    token."""
    console.links.add("alice", "mine", "https://example.com/mine")
    if "go.acme.com" not in console.links.domains:
        console.links.add_domain("alice", "go.acme.com")
    if (await console.client.get("/console/links")).status_code != 200:
        await console.sign_in(ALICE_KEY)
    found = _CSRF.search((await console.client.get("/console/links/new")).text)
    assert found is not None
    return found.group(1)


def test_any_body_at_any_form_answers_below_500(runner: asyncio.Runner) -> None:
    context = start_console()
    console = runner.run(context.__aenter__())

    @PROPERTY
    @given(st.sampled_from(FORMS), st.text(max_size=20), BODIES)
    def prop(form: str, text: str, body: bytes) -> None:
        async def check() -> None:
            token = await _prepare(console)
            path = form.replace("{text}", quote(text, safe="", errors="surrogatepass"))
            response = await console.client.post(
                path,
                content=body.replace(b"{csrf}", token.encode()),
                headers={"content-type": "application/x-www-form-urlencoded"},
            )
            assert response.status_code < 500, (path, body, response.text)
            if not response.is_redirect:  # a 303 after a form that did its work
                assert response.headers["content-type"] == "text/html; charset=utf-8"
            assert "content-security-policy" in response.headers

        runner.run(check())

    try:
        prop()
    finally:
        runner.run(context.__aexit__(None, None, None))
