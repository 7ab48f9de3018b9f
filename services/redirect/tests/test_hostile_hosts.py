"""Hostile Host headers on a real process: never a 5xx, never another domain's link.

links (a fake process) serves ``spring`` on the platform (``hop.test``), on the verified
``go.acme.test`` and on ``go.other.test``, which is not verified; hypothesis sends every
spelling of those names hop folds (case, ports, trailing dots, Unicode), near misses,
IP literals, overlong labels and arbitrary bytes.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hop_contracts.testing import link_body
from hop_instrumentation.testing import free_ports, running_process, send_raw

pytestmark = pytest.mark.process
FAKE = [sys.executable, "-m", "hop_contracts.testing"]
PLATFORM, ACME, OTHER = "https://platform.example/", "https://acme.example/", "https://other/"
#: What a Host may get: a redirect, 404 (not served), 400 (the HTTP parser refused it).
DOCUMENTED = {302, 400, 404}


@pytest.fixture(scope="module")
def redirect(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    tmp = tmp_path_factory.mktemp("hostile-hosts")
    links_port, sink_port, http, management = free_ports(4)
    bodies, domains = tmp / "links.json", tmp / "domains.json"
    bodies.write_text(json.dumps([link_body("spring", PLATFORM)]))
    domains.write_text(
        json.dumps({
            "platform": "hop.test",
            "verified": ["go.acme.test"],
            "links": {
                "go.acme.test": [link_body("spring", ACME)],
                "go.other.test": [link_body("spring", OTHER)],
            },
        })
    )  # fmt: skip
    fake_links = [*FAKE, "links", "--port", str(links_port), "--links", str(bodies)]
    env = {
        "HOP_HTTP_PORT": str(http),
        "HOP_MANAGEMENT_PORT": str(management),
        "HOP_LINKS_URL": f"http://127.0.0.1:{links_port}",
        "HOP_ANALYTICS_URL": f"http://127.0.0.1:{sink_port}",
        "HOP_ACCESS_LOG": "false",
        "HOP_PLATFORM_HOSTS": "localhost",
        "HOP_CACHE_UNKNOWN_LOOKUP_BURST": "1000000",
    }
    with (
        running_process(
            [*fake_links, "--domains", str(domains)],
            ready_url=f"http://127.0.0.1:{links_port}/internal/v1/links/spring",
        ),
        running_process(
            [*FAKE, "sink", "--port", str(sink_port)],
            ready_url=f"http://127.0.0.1:{sink_port}/events",
        ),
        running_process(
            [sys.executable, "-m", "hop_redirect", "serve"],
            env=env,
            ready_url=f"http://127.0.0.1:{management}/readyz",
            log=tmp / "redirect.log",
        ),
    ):
        yield http


def _spellings(name: str) -> st.SearchStrategy[bytes]:
    """Every spelling of ``name`` that must reach it: case, a trailing dot, a port."""
    return st.tuples(
        st.lists(st.booleans(), min_size=len(name), max_size=len(name)),
        st.booleans(),
        st.one_of(st.just(""), st.integers(0, 65535).map(lambda port: f":{port}")),
    ).map(
        lambda parts: (
            "".join(c.upper() if up else c for c, up in zip(name, parts[0], strict=True))
            + ("." if parts[1] else "")
            + parts[2]
        ).encode()
    )


_near = st.sampled_from([
    b"go.other.test", b"GO.OTHER.TEST.:80", b"go.acme.test.evil", b"evil.go.acme.test",
    b"go.acme.tes", b"go-acme.test", b"go.acme.test..", b"go.acme.test:", b"go.acme.test:x",
    b"go.acme.test:80:80", b"[go.acme.test]", b"go.acme.test/", b"go.acme.test@hop.test",
    b"hop.test.go.acme.test", "g\u043e.acme.test".encode(), b"127.0.0.1", b"[::1]:80",
    b"a" * 64 + b".acme.test", b"x." * 130 + b"test", b"xn--.test", b"\xff\xfe",
])  # fmt: skip
_noise = st.binary(min_size=0, max_size=300).map(
    lambda raw: raw.replace(b"\r", b"").replace(b"\n", b"")
)
hosts = st.one_of(
    _spellings("go.acme.test"), _spellings("hop.test"), _spellings("localhost"), _near, _noise
)


def _location(head: bytes) -> str | None:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"location":
            return value.strip().decode()
    return None


def _is_spelling(raw: bytes, name: str) -> bool:
    text = raw.decode("utf-8", "replace").strip().lower()
    host, _, port = text.partition(":") if not text.startswith("[") else (text, "", "")
    return host.removesuffix(".") == name and re.fullmatch("[0-9]{0,5}", port) is not None


@given(host=hosts)
@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_any_host_gets_its_own_domains_link_or_none(redirect: int, host: bytes) -> None:
    head = b"GET /spring HTTP/1.1\r\nhost: " + host + b"\r\nconnection: close\r\n\r\n"
    response = send_raw(redirect, head)
    assert response.status in DOCUMENTED, (host, response.head)
    location = _location(response.head) if response.status == 302 else None
    assert location != OTHER, host  # an unverified domain's link: never served
    if location == ACME:
        assert _is_spelling(host, "go.acme.test"), host
    if location == PLATFORM:
        assert _is_spelling(host, "hop.test") or _is_spelling(host, "localhost"), host
    if _is_spelling(host, "go.acme.test"):
        assert location == ACME, (host, response.head)


def test_a_request_without_host_is_the_platforms(redirect: int) -> None:
    response = send_raw(redirect, b"GET /spring HTTP/1.0\r\n\r\n")
    assert (response.status, _location(response.head)) == (302, PLATFORM)
