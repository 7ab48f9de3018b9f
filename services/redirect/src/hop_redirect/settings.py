"""The redirect service's settings: one class, read once at startup from ``HOP_*`` variables."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import Field, model_validator

from hop_contracts import DEFAULT_CLICK_STREAM, ClickTransport
from hop_instrumentation import ServiceSettings

__all__ = ["RedirectSettings"]

Seconds = Annotated[float, Field(gt=0.0, le=86400.0)]


class RedirectSettings(ServiceSettings):
    """Hold every setting of the redirect service (``HOP_`` prefix)."""

    service_name: str = "redirect"

    #: Peers' internal ports (``/internal/...`` is served nowhere else); `make run`'s by default.
    links_url: str = "http://127.0.0.1:7001"
    links_timeout: Seconds = 2.0
    analytics_url: str = "http://127.0.0.1:7003"

    cache_size: int = Field(default=100_000, ge=1, le=10_000_000)
    cache_ttl: Seconds = Field(
        default=30.0,
        description="Seconds a resolved link is served from cache: the staleness bound.",
    )
    cache_negative_ttl: Seconds = Field(
        default=5.0, description="Seconds an unknown code is remembered as unknown."
    )
    cache_stale_if_error: float = Field(
        default=3600.0,
        ge=0.0,
        le=86400.0,
        description="Seconds past its TTL an entry may still be served while links is down.",
    )
    redis_cache: bool = Field(default=False, description="Share resolved links through Redis (L2).")
    redis_cache_prefix: str = "hop:redirect:link:"

    click_transport: ClickTransport = ClickTransport.HTTP
    redis_url: str = "redis://127.0.0.1:6379/0"
    click_stream: str = Field(default=DEFAULT_CLICK_STREAM, min_length=1)
    click_buffer_size: int = Field(default=100_000, ge=1, le=10_000_000)
    click_batch_size: int = Field(default=500, ge=1, le=1000)
    click_flush_interval: Seconds = 1.0
    click_retry_max_delay: Seconds = 5.0
    click_shutdown_timeout: Seconds = Field(
        default=4.0, description="Seconds the buffer gets to flush at shutdown (inside the budget)."
    )
    country_header: str | None = Field(
        default=None, description="Request header carrying the client's country, e.g. CF-IPCountry."
    )

    access_log_sample_ratio: float = Field(
        default=0.01,
        ge=0.0,
        le=1.0,
        description="Share of redirects (3xx) written to the access log.",
    )
    permanent_max_age: int = Field(
        default=3600, ge=0, le=31_536_000, description="Cache-Control max-age of 301 and 308."
    )
    unavailable_retry_after: int = Field(default=5, ge=1, le=3600)

    @model_validator(mode="after")
    def _negative_ttl_not_longer(self) -> Self:
        if self.cache_negative_ttl > self.cache_ttl:
            raise ValueError(
                f"HOP_CACHE_NEGATIVE_TTL ({self.cache_negative_ttl:g}) is longer than "
                f"HOP_CACHE_TTL ({self.cache_ttl:g}); unknown codes must expire first."
            )
        return self
