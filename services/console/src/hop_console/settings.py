"""The console's settings: one class, read once at startup from ``HOP_*`` variables."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import Field, SecretStr, model_validator

from hop_contracts import MAX_SESSION_AGE
from hop_instrumentation import ServiceSettings

__all__ = ["ConsoleSettings"]

Seconds = Annotated[float, Field(gt=0.0, le=86400.0)]


class ConsoleSettings(ServiceSettings):
    """Hold every setting of the console (``HOP_`` prefix)."""

    service_name: str = "console"

    links_url: str = "http://127.0.0.1:8001"
    links_internal_url: str = Field(
        default="http://127.0.0.1:7001",
        pattern=r"^https?://",
        description="links' internal port: sign-in exchanges the API key for a session "
        "there, and the sessions page lists and ends the owner's sessions.",
    )
    analytics_url: str = "http://127.0.0.1:8003"
    peer_timeout: Seconds = Field(
        default=5.0, description="Seconds a call to links or analytics may take."
    )
    base_path: str = Field(
        default="/console",
        pattern=r"^(/[A-Za-z0-9_-]+)+$",
        description="Path prefix the edge routes to the console; every page lives under it.",
    )
    session_secret: SecretStr | None = Field(
        default=None,
        description="Key the session cookies are encrypted with (32+ characters); unset, "
        "a random one per process (sessions end at restart; one worker only).",
    )
    session_max_age: int = Field(
        default=28_800,
        ge=60,
        le=MAX_SESSION_AGE,
        description="Seconds a sign-in lasts (links ends the session then too).",
    )
    page_size: int = Field(default=20, ge=1, le=100, description="Links per page of the list.")

    @model_validator(mode="after")
    def _secret_when_shared(self) -> Self:
        secret = self.session_secret
        if secret is not None and len(secret.get_secret_value()) < 32:
            raise ValueError("HOP_SESSION_SECRET is shorter than 32 characters; use a random one.")
        if secret is None and self.workers > 1:
            raise ValueError(
                f"HOP_WORKERS={self.workers} needs HOP_SESSION_SECRET: every worker must "
                "read the sessions the others wrote."
            )
        return self
