"""The hot path on a real process against generated paths: no 5xx, only documented answers.

redirect has no OpenAPI document to run schemathesis on (its one route is a pure ASGI
front), so hypothesis generates the paths: every printable and unprintable character,
percent-escapes, slashes, dot segments, very long codes, queries.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hop_contracts.testing import link_body
from hop_instrumentation.testing import free_ports, running_process, send_raw

pytestmark = pytest.mark.process
FAKE = [sys.executable, "-m", "hop_contracts.testing"]
#: What GET /{anything} may answer: a redirect, an unknown/expired/disabled code, a bad
#: request, a method or a head that is not allowed; never a 5xx.
DOCUMENTED = {301, 302, 307, 308, 400, 404, 405, 410, 414, 431}


@pytest.fixture(scope="module")
def redirect(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    tmp = tmp_path_factory.mktemp("hot-path")
    links_port, sink_port, http, management = free_ports(4)
    bodies = tmp / "links.json"
    bodies.write_text(json.dumps([link_body("abc", "https://example.com/")]))
    fake_links = [*FAKE, "links", "--port", str(links_port), "--links", str(bodies)]
    sink = [*FAKE, "sink", "--port", str(sink_port)]
    env = {
        "HOP_HTTP_PORT": str(http),
        "HOP_MANAGEMENT_PORT": str(management),
        "HOP_LINKS_URL": f"http://127.0.0.1:{links_port}",
        "HOP_ANALYTICS_URL": f"http://127.0.0.1:{sink_port}",
        "HOP_ACCESS_LOG": "false",
    }
    with (
        running_process(
            fake_links, ready_url=f"http://127.0.0.1:{links_port}/internal/v1/links/abc"
        ),
        running_process(sink, ready_url=f"http://127.0.0.1:{sink_port}/events"),
        running_process(
            [sys.executable, "-m", "hop_redirect", "serve"],
            env=env,
            ready_url=f"http://127.0.0.1:{management}/readyz",
            log=tmp / "redirect.log",
        ),
    ):
        yield http


segments = st.text(st.characters(codec="utf-8"), max_size=80).map(lambda s: quote(s, safe=""))
raw_paths = st.text(st.sampled_from("abcXYZ019-_~.%/?#&=+:@!$'()*,;"), min_size=0, max_size=120)
paths = st.one_of(
    segments.map(lambda s: "/" + s),
    st.lists(segments, min_size=1, max_size=4).map(lambda parts: "/" + "/".join(parts)),
    raw_paths.map(lambda s: "/" + s.lstrip("/")),
    st.integers(min_value=65, max_value=5000).map(lambda n: "/" + "a" * n),
    segments.map(lambda s: f"/abc?{s}"),
)


@given(path=paths, method=st.sampled_from(["GET", "HEAD"]))
@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_any_path_gets_a_documented_answer_never_a_5xx(
    redirect: int, path: str, method: str
) -> None:
    head = f"{method} {path} HTTP/1.1\r\nhost: hop.test\r\nconnection: close\r\n\r\n"
    response = send_raw(redirect, head.encode("ascii"))
    assert response.status in DOCUMENTED, (path, response.head)
    if response.status not in (400, 414, 431):  # those come from the HTTP parser itself
        assert b"content-type: application/json" in response.head.lower(), (path, response.head)
