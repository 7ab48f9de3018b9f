"""`services_of` finds a service's parts on the app; `lifespan_of` starts and closes them."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from fastapi import FastAPI

from hop_instrumentation import create_app
from hop_instrumentation.services import lifespan_of, services_of
from hop_instrumentation.settings import ServiceSettings
from hop_instrumentation.testing import app_client, make_test_settings


@dataclass(slots=True)
class _Parts:
    calls: list[str] = field(default_factory=list)

    async def start(self) -> None:
        self.calls.append("start")

    async def aclose(self) -> None:
        self.calls.append("aclose")


def test_services_of_returns_the_parts_of_their_class() -> None:
    app = FastAPI()
    app.state.services = parts = _Parts()
    assert services_of(app, _Parts) is parts


def test_services_of_other_parts_names_the_package_and_both_classes() -> None:
    app = FastAPI()
    app.state.services = "not parts"
    package = _Parts.__module__.partition(".")[0]
    expected = (
        f"This app was not built by the create_app of {package}: app.state.services is str,"
        f" not _Parts. Build the app with {package}'s create_app."
    )
    with pytest.raises(LookupError) as raised:
        services_of(app, _Parts)
    assert str(raised.value) == expected


def test_services_of_an_app_without_parts_raises_lookup_error() -> None:
    with pytest.raises(LookupError, match=r"app\.state\.services is NoneType, not _Parts"):
        services_of(FastAPI(), _Parts)


async def test_lifespan_of_starts_the_parts_before_serving_and_closes_them_after() -> None:
    settings = make_test_settings(ServiceSettings, service_name="parts")
    app = create_app(settings, lifespan=lifespan_of(_Parts))
    app.state.services = parts = _Parts()

    @app.get("/calls")
    async def calls() -> list[str]:
        return list(parts.calls)

    async with app_client(app) as client:
        response = await client.get("/calls")
    assert response.json() == ["start"]
    assert parts.calls == ["start", "aclose"]
