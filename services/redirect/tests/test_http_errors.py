from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI

from hop_contracts.testing import ClickSink, FakeLinks
from hop_instrumentation.testing import app_client

AppFactory = Callable[..., tuple[FastAPI, FakeLinks, ClickSink]]
NOT_FOUND = {
    "detail": "Nothing here: a short link is one path segment of 1 to 64 letters, "
    "digits, '-' or '_'."
}


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
@pytest.mark.parametrize("path", ["/", "/a/b", "/" + "a" * 65])
async def test_http_errors_path_that_is_no_code_answers_json_404_naming_the_rule(
    make_app: AppFactory, method: str, path: str
) -> None:
    app, _, _ = make_app()
    async with app_client(app) as client:
        response = await client.request(method, path)
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert response.headers["content-type"] == "application/json"
