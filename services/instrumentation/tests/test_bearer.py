"""`bearer_token` reads ``Authorization: Bearer``; `BearerToken` documents and returns it."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import Depends

from hop_instrumentation import ServiceSettings, create_app
from hop_instrumentation.bearer import BearerToken, bearer_token
from hop_instrumentation.testing import app_client, make_test_settings

TokenDep = Annotated[
    str | None, Depends(BearerToken(scheme_name="ApiKey", description="An API key."))
]


@pytest.mark.parametrize(
    ("headers", "token"),
    [
        ([(b"authorization", b"Bearer hop_abc")], "hop_abc"),
        ([(b"authorization", b"bearer  hop_abc ")], "hop_abc"),
        ([(b"authorization", b"Basic dXNlcg==")], None),
        ([(b"authorization", b"Bearer ")], None),
        ([(b"accept", b"*/*")], None),
    ],
)
def test_bearer_token_reads_the_token_of_a_bearer_header_only(
    headers: list[tuple[bytes, bytes]], token: str | None
) -> None:
    assert bearer_token({"type": "http", "headers": headers}) == token


async def test_bearer_token_dependency_returns_the_token_and_documents_the_scheme() -> None:
    app = create_app(make_test_settings(ServiceSettings, service_name="bearer"))

    @app.get("/whoami")
    async def whoami(token: TokenDep) -> dict[str, str | None]:
        return {"token": token}

    async with app_client(app) as client:
        signed = await client.get("/whoami", headers={"Authorization": "Bearer hop_x"})
        anonymous = await client.get("/whoami")
        document = (await client.get("/openapi.json")).json()
    assert (signed.json(), anonymous.json()) == ({"token": "hop_x"}, {"token": None})
    scheme = document["components"]["securitySchemes"]["ApiKey"]
    assert scheme == {"type": "http", "scheme": "bearer", "description": "An API key."}
