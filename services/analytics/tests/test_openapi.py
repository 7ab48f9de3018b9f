from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from hop_analytics.app import create_app
from hop_analytics.settings import AnalyticsSettings
from hop_contracts import LINK_IDS_PATH
from hop_instrumentation.testing import free_ports, make_test_settings, running_process

pytestmark = pytest.mark.process
schema = schemathesis.openapi.from_dict(create_app(make_test_settings(AnalyticsSettings)).openapi())


class FakeLinks(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        key = self.headers.get("Authorization", "")
        owner = key == "Bearer owner"
        if self.path == LINK_IDS_PATH:
            status, body = (
                (200, b'{"items": [{"id": "L1", "code": "abc", "domain": "hop.test"}]}')
                if owner
                else (401, b"{}")
            )
        else:
            status = 200 if owner else 404 if key.startswith("Bearer ") else 401
            body = b'{"id": "L1", "code": "abc"}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    links = ThreadingHTTPServer(("127.0.0.1", 0), FakeLinks)
    threading.Thread(target=links.serve_forever, daemon=True).start()
    api, management = free_ports(2)
    database = tmp_path_factory.mktemp("openapi") / "analytics.db"
    env = {
        "HOP_HTTP_PORT": str(api),
        "HOP_MANAGEMENT_PORT": str(management),
        "HOP_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "HOP_RUN_MIGRATIONS": "true",
        "HOP_LINKS_URL": f"http://127.0.0.1:{links.server_address[1]}",
        "HOP_LOG_LEVEL": "warning",
        "HOP_ACCESS_LOG": "false",
    }
    command = [sys.executable, "-m", "hop_analytics", "serve"]
    ready = f"http://127.0.0.1:{management}/readyz"
    try:
        with running_process(command, env=env, cwd=Path(__file__).parent, ready_url=ready):
            yield f"http://127.0.0.1:{api}"
    finally:
        links.shutdown()
        links.server_close()


@schema.parametrize()
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_fuzzed_requests_never_answer_5xx(case: schemathesis.Case, served: str) -> None:
    response = case.call(base_url=served, headers={"Authorization": "Bearer owner"})
    assert response.status_code < 500, response.text
    assert response.headers["content-type"][0].startswith("application/json")
