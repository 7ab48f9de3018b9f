"""The links service's settings: `HOP_*` variables, read once at startup."""

from __future__ import annotations

from typing import Final
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from hop_instrumentation import ServiceSettings

__all__ = ["LinksSettings"]

#: Plain driver names operators type, mapped to the async drivers hop runs on.
_ASYNC_SCHEMES: Final = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}


class LinksSettings(ServiceSettings):
    """Hold the links service's settings (`HOP_` prefix)."""

    service_name: str = "links"
    database_url: str = Field(
        default="sqlite+aiosqlite:///hop-links.db",
        description="SQLAlchemy URL; `postgresql://` and `sqlite://` get their async driver.",
    )
    public_base_url: str = Field(
        default="http://127.0.0.1:8080",
        description="Base of every short_url; targets on its host are refused (loops).",
    )
    run_migrations: bool = Field(
        default=False, description="Migrate at startup (local only; the cluster runs a Job)."
    )
    database_pool_size: int = Field(default=10, ge=1, le=200)
    database_max_overflow: int = Field(default=10, ge=0, le=200)
    database_pool_timeout: float = Field(default=5.0, gt=0, le=120)

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        scheme, separator, rest = value.partition("://")
        driver = _ASYNC_SCHEMES.get(scheme.lower())
        if not separator or driver is None:
            raise ValueError(
                "use a postgresql://, postgresql+asyncpg://, sqlite:// or sqlite+aiosqlite:// URL"
            )
        return f"{driver}://{rest}"

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
