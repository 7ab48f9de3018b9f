"""The links service's settings: `HOP_*` variables, read once at startup."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, field_validator

from hop_instrumentation.database import DatabaseSettings

__all__ = ["LinksSettings"]


class LinksSettings(DatabaseSettings):
    """Hold the links service's settings (`HOP_` prefix)."""

    service_name: str = "links"
    database_url: str = "sqlite+aiosqlite:///hop-links.db"
    public_base_url: str = Field(
        default="http://127.0.0.1:8080",
        description="Base of every short_url; targets on its host are refused (loops).",
    )
    allow_internal_targets: bool = Field(
        default=False,
        description="Accept targets on loopback, private, link-local and metadata addresses "
        "(intranet deployments only): by default a link cannot send people there.",
    )

    @field_validator("public_base_url")
    @classmethod
    def _absolute_base(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("use an absolute http(s) URL such as https://hop.example")
        return value.rstrip("/")

    @property
    def public_host(self) -> str:
        """Return the public base URL's host, lower-cased: the one host targets may not use."""
        return (urlsplit(self.public_base_url).hostname or "").lower()

    def short_url(self, code: str) -> str:
        """Return the short URL that redirects through ``code``."""
        return f"{self.public_base_url}/{code}"
