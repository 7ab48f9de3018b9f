"""analytics' settings: the only place that reads the environment."""

from __future__ import annotations

import os
import socket

from pydantic import Field

from hop_contracts import CONSUMER_GROUP, DEFAULT_CLICK_STREAM, ClickTransport
from hop_instrumentation.database import DatabaseSettings
from hop_instrumentation.settings import RedisUrl

__all__ = ["AnalyticsSettings"]


def _default_consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class AnalyticsSettings(DatabaseSettings):
    """Settings of the analytics service (``HOP_`` prefix)."""

    service_name: str = "analytics"
    database_url: str = "sqlite+aiosqlite:///hop-analytics.db"
    database_pool_pre_ping: bool = True
    links_url: str = Field(
        default="http://127.0.0.1:8001",
        pattern=r"^https?://",
        description="links' API port: does this API key own this code?",
    )
    links_internal_url: str = Field(
        default="http://127.0.0.1:7001",
        pattern=r"^https?://",
        description="links' internal port: the feed of disables and enables.",
    )
    link_feed_interval: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="Seconds between two reads of links' feed of disables and enables: a "
        "disabled link's clicks may show in stats this long before they are removed.",
    )

    click_transport: ClickTransport = ClickTransport.HTTP
    redis_url: RedisUrl = "redis://127.0.0.1:6379/0"
    click_stream: str = Field(default=DEFAULT_CLICK_STREAM, min_length=1)
    consumer_group: str = Field(default=CONSUMER_GROUP, min_length=1)
    consumer_name: str = Field(default_factory=_default_consumer_name, min_length=1)
    consumer_concurrency: int = Field(
        default=2,
        ge=1,
        le=16,
        description="Batches in flight per process (consumers named <consumer_name>-<n>).",
    )
    batch_size: int = Field(default=2000, ge=1, le=10_000)
    block_ms: int = Field(default=1000, ge=1, le=60_000)
    claim_idle_ms: int = Field(
        default=30_000,
        ge=100,
        description="Pending entries idle this long belong to a dead consumer and are reclaimed.",
    )

    retention_days: int = Field(
        default=7, ge=1, le=3650, description="Days raw events are kept: the dedupe window."
    )
    prune_interval: float = Field(default=3600.0, gt=0, description="Seconds between prunes.")
    max_range_days: int = Field(default=366, ge=1, le=3660)
    top_n: int = Field(default=10, ge=1, le=100)
    owner_cache_ttl: float = Field(
        default=1.0,
        ge=0,
        le=1,
        description="Seconds an ownership answer is reused: at most 1, so that with links' own "
        "key cache (at most 1 s) a revoked key or a deleted link stops reading stats within 2 s.",
    )
    click_max_future_skew: float = Field(
        default=300.0,
        ge=0,
        le=86_400,
        description="Seconds an event's timestamp may lie ahead of analytics' clock.",
    )
    consumer_stall_after: float = Field(
        default=60.0,
        gt=0,
        description="Seconds a stream consumer may go without progress before /readyz?verbose "
        "reports it failed.",
    )
