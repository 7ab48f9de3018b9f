"""The links service's settings: `HOP_*` variables, read once at startup."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from hop_contracts import DEFAULT_LINK_CACHE_PREFIX, SESSIONS_PATH
from hop_instrumentation.database import DatabaseSettings
from hop_instrumentation.settings import RedisUrl

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
    rate_limit_paths: Annotated[tuple[str, ...], NoDecode] = Field(
        default=("/api/", SESSIONS_PATH),
        description="Path prefixes the rate limits apply to: the API, and the console's "
        "sign-in (its failed keys spend the browser's failed-authentication budget).",
    )
    api_key_cache_ttl: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="Seconds a known API key's owner is reused without reading the database "
        "(0 to 1; 0 reads on every request): a revoked key stops within it on every replica, "
        "and within it plus analytics' HOP_OWNER_CACHE_TTL on stats.",
    )
    redis_cache: bool = Field(
        default=False,
        description="Write created and changed links into redirect's shared Redis cache, "
        "and remove deleted ones, so redirect's misses rarely reach links.",
    )
    redis_url: RedisUrl = "redis://127.0.0.1:6379/0"
    redis_cache_prefix: str = Field(default=DEFAULT_LINK_CACHE_PREFIX, min_length=1)
    redis_cache_ttl: float = Field(
        default=30.0,
        gt=0,
        le=86400,
        description="Seconds an entry links writes lives; keep it at most redirect's "
        "HOP_CACHE_TTL so the staleness bound holds.",
    )
    resolve_pool_size: int = Field(
        default=0,
        ge=0,
        le=200,
        description="PostgreSQL connections of the resolve path (redirect's cache misses) on "
        "their own asyncpg pool, opened on demand and kept, beside HOP_DATABASE_POOL_SIZE's; "
        "0 resolves on the engine's pool. Count them in the database's connection budget.",
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
