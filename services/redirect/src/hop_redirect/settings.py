"""The redirect service's settings: one class, read once at startup from ``HOP_*`` variables."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import NoDecode

from hop_contracts import (
    DEFAULT_CLICK_STREAM,
    DEFAULT_LINK_CACHE_PREFIX,
    MAX_RESOLVE_CODES,
    ClickTransport,
)
from hop_instrumentation import ServiceSettings
from hop_instrumentation.settings import RedisUrl
from hop_redirect.hosts import canonical_host

__all__ = ["RedirectSettings"]

Seconds = Annotated[float, Field(gt=0.0, le=86400.0)]


class RedirectSettings(ServiceSettings):
    """Hold every setting of the redirect service (``HOP_`` prefix)."""

    service_name: str = "redirect"

    #: Peers' internal ports (``/internal/...`` is served nowhere else); `make run`'s by default.
    links_url: str = "http://127.0.0.1:7001"
    links_timeout: Seconds = 2.0
    links_pool_size: int = Field(
        default=64,
        ge=1,
        le=10_000,
        description="Keep-alive connections to links at most: concurrent cache misses past it "
        "wait for one.",
    )
    links_batch_size: int = Field(
        default=MAX_RESOLVE_CODES,
        ge=1,
        le=MAX_RESOLVE_CODES,
        description="Codes per resolve request to links at most: cache misses pending together "
        "leave as one batch. 1 sends each miss alone, on links' one-code route.",
    )
    links_batches_in_flight: int = Field(
        default=4,
        ge=1,
        le=1000,
        description="Batch resolve requests open to links at once; a miss past them waits and "
        "leaves with the others pending when one comes back.",
    )
    analytics_url: str = "http://127.0.0.1:7003"

    platform_hosts: Annotated[tuple[str, ...], NoDecode] = Field(
        default=("localhost", "127.0.0.1"),
        description="Host names served as the platform domain besides links' public host "
        "(comma-separated; ports are ignored): what make run's edge and in-cluster callers "
        "send. Served even while links cannot list its domains.",
    )
    domains_refresh_interval: Seconds = Field(
        default=10.0,
        description="Seconds between reads of links' verified domains (HOP_CACHE_TTL if that "
        "is shorter): a domain deleted or failed stops being served within it.",
    )
    unknown_host_url: str | None = Field(
        default=None,
        pattern=r"^(https?://[^\s]+)?$",
        max_length=2048,
        description="Where a Host hop does not serve is redirected (302); unset or empty: 404.",
    )

    cache_size: int = Field(default=100_000, ge=1, le=10_000_000)
    cache_ttl: Seconds = Field(
        default=30.0,
        description="Seconds a resolved link is served from cache: the staleness bound.",
    )
    cache_negative_ttl: Seconds = Field(
        default=5.0, description="Seconds an unknown code is remembered as unknown."
    )
    cache_negative_size: int = Field(
        default=10_000,
        ge=1,
        le=10_000_000,
        description="Unknown codes remembered, apart from known links (which they never evict).",
    )
    cache_unknown_lookup_rate: float = Field(
        default=100.0,
        gt=0.0,
        le=1_000_000.0,
        description="Lookups per second of codes links does not know, past the burst; "
        "over it a miss answers 429 with Retry-After.",
    )
    cache_unknown_lookup_burst: int = Field(default=1000, ge=1, le=1_000_000)
    cache_stale_if_error: float = Field(
        default=3600.0,
        ge=0.0,
        le=86400.0,
        description="Seconds past its TTL an entry may still be served while links is down.",
    )
    redis_cache: bool = Field(default=False, description="Share resolved links through Redis (L2).")
    redis_cache_prefix: str = DEFAULT_LINK_CACHE_PREFIX

    click_transport: ClickTransport = ClickTransport.HTTP
    redis_url: RedisUrl = "redis://127.0.0.1:6379/0"
    click_stream: str = Field(default=DEFAULT_CLICK_STREAM, min_length=1)
    click_buffer_size: int = Field(
        default=100_000,
        ge=1,
        le=10_000_000,
        description="Clicks held in memory; past it (or while delivery fails) they are spooled.",
    )
    click_spool_dir: Path | None = Field(
        default=None,
        description="Directory of the durable click spool; default: hop-redirect-spool-<port> "
        "in the temporary directory.",
    )
    click_spool_persistent: bool = Field(
        default=True,
        description="The spool directory outlives the pod (a PersistentVolume, or a machine's "
        "own disk): clicks left in it at shutdown are the next process's. false (an emptyDir): "
        "they are counted dropped, reason shutdown.",
    )
    click_spool_max_events: int = Field(
        default=15_000_000,
        ge=1,
        le=1_000_000_000,
        description="Clicks the spool holds before dropping: 10 minutes at 25,000/s, above one "
        "process's measured maximum (about 21,000 redirects/s, docs/benchmarks.md).",
    )
    click_spool_max_bytes: int = Field(
        default=7 * 2**30,
        ge=2**20,
        description="Bytes the spool holds before dropping: 15M events of ~470 bytes. Lowered "
        "at start to the free space of the spool's filesystem (each worker's share of it).",
    )
    click_spool_segment_bytes: int = Field(default=64 * 2**20, ge=2**16, le=2**31)
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

    @property
    def domains_refresh_seconds(self) -> float:
        """Return the seconds between reads of links' domains: never past the cache TTL."""
        return min(self.domains_refresh_interval, self.cache_ttl)

    @property
    def spool_directory(self) -> Path:
        """Return the click spool's directory (its own per HTTP port unless configured)."""
        if self.click_spool_dir is not None:
            return self.click_spool_dir
        return Path(tempfile.gettempdir()) / f"hop-redirect-spool-{self.http_port}"

    @field_validator("unknown_host_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        """Read an empty HOP_UNKNOWN_HOST_URL (the chart's default) as unset."""
        return None if value == "" else value

    @field_validator("platform_hosts", mode="before")
    @classmethod
    def _canonical_hosts(cls, value: Any) -> Any:
        """Accept ``a,b`` or a JSON list; keep each name in its canonical form."""
        if isinstance(value, str) and value.strip().startswith("["):
            try:
                value = json.loads(value)
            except ValueError:
                raise ValueError(
                    'HOP_PLATFORM_HOSTS is not a JSON list; use a,b or ["a", "b"].'
                ) from None
        elif isinstance(value, str):
            value = [part for part in value.split(",") if part.strip()]
        if not isinstance(value, list | tuple):
            return value
        names = []
        for written in value:
            name = canonical_host(str(written))
            if name is None:
                raise ValueError(
                    f"HOP_PLATFORM_HOSTS holds {str(written)[:100]!r}, which is not a host "
                    "name or IP address; list names such as hop.example.com,localhost."
                )
            names.append(name)
        return tuple(names)

    @model_validator(mode="after")
    def _negative_ttl_not_longer(self) -> Self:
        if self.cache_negative_ttl > self.cache_ttl:
            raise ValueError(
                f"HOP_CACHE_NEGATIVE_TTL ({self.cache_negative_ttl:g}) is longer than "
                f"HOP_CACHE_TTL ({self.cache_ttl:g}); unknown codes must expire first."
            )
        return self
