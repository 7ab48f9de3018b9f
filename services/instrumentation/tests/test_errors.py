"""`ServiceError` carries its HTTP answer; `install_error_handler` sends it, whole."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import ClassVar

import pytest
from fastapi import FastAPI

from hop_instrumentation import ServiceSettings, create_app
from hop_instrumentation.errors import ServiceError, install_error_handler
from hop_instrumentation.testing import app_client, make_test_settings


class _SampleError(ServiceError):
    status: ClassVar[int] = 503


class _MissingError(_SampleError):
    status: ClassVar[int] = 404


class _OutageError(_SampleError):
    headers: ClassVar[Mapping[str, str]] = {"Retry-After": "1"}
    is_logged: ClassVar[bool] = True


class _FieldError(_SampleError):
    status: ClassVar[int] = 422

    @property
    def detail(self) -> object:
        return [{"loc": ["body", "url"], "msg": self.message}]


def _app(error: ServiceError) -> FastAPI:
    app = create_app(make_test_settings(ServiceSettings, service_name="errors"))
    install_error_handler(app, _SampleError)

    @app.get("/")
    async def fail() -> None:
        raise error

    return app


@pytest.mark.parametrize(
    ("error", "status", "body", "headers"),
    [
        (_SampleError("Not now."), 503, {"detail": "Not now."}, {}),
        (_MissingError("No link 'abc'."), 404, {"detail": "No link 'abc'."}, {}),
        (_OutageError("Retry later."), 503, {"detail": "Retry later."}, {"retry-after": "1"}),
        (
            _FieldError("Bad URL."),
            422,
            {"detail": [{"loc": ["body", "url"], "msg": "Bad URL."}]},
            {},
        ),
    ],
)
async def test_error_answers_its_status_body_and_headers(
    error: ServiceError, status: int, body: object, headers: dict[str, str]
) -> None:
    async with app_client(_app(error)) as client:
        response = await client.get("/")
    assert response.status_code == status
    assert response.json() == body
    assert {name: response.headers[name] for name in headers} == headers


async def test_an_outage_is_logged_with_its_traceback_and_a_caller_error_is_not(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="hop.errors"):
        async with app_client(_app(_MissingError("No link."))) as client:
            await client.get("/")
        assert caplog.records == []
        async with app_client(_app(_OutageError("Retry later."))) as client:
            await client.get("/")
    assert [record.getMessage() for record in caplog.records] == ["_OutageError answered 503"]
    assert caplog.records[0].exc_info is not None
