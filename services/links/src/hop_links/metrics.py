"""The links service's own Prometheus metrics (``hop_links_...``)."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter

__all__ = ["LinksMetrics"]


@dataclass(slots=True, frozen=True)
class LinksMetrics:
    """Counters the routers update; registered on the instrumentation's registry."""

    created: Counter
    create_failures: Counter
    resolves: Counter
    auth_failures: Counter

    @classmethod
    def register(cls, registry: CollectorRegistry) -> LinksMetrics:
        """Create the counters on ``registry``."""
        return cls(
            created=Counter(
                "hop_links_links_created",
                "Links created, by API route (single or batch).",
                ["route"],
                registry=registry,
            ),
            create_failures=Counter(
                "hop_links_create_failures",
                "Link creations refused, by reason (invalid, taken).",
                ["reason"],
                registry=registry,
            ),
            resolves=Counter(
                "hop_links_resolves",
                "Internal resolves, by result (hit: found, miss: unknown code).",
                ["result"],
                registry=registry,
            ),
            auth_failures=Counter(
                "hop_links_auth_failures",
                "Requests refused for a missing, unknown or revoked API key.",
                registry=registry,
            ),
        )
