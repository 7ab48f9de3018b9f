"""The links service's own Prometheus metrics (``hop_links_...``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from prometheus_client import CollectorRegistry, Counter

from hop_instrumentation.metrics import labelled_counter

__all__ = ["LinksMetrics"]

#: Each label's values, exported from 0: a quiet or healthy links shows 0, not "no data".
CREATE_ROUTES: Final = ("single", "batch")
CREATE_FAILURE_REASONS: Final = ("invalid", "taken")
RESOLVE_RESULTS: Final = ("hit", "miss")
DOMAIN_CHECK_RESULTS: Final = ("proved", "not_proved")


@dataclass(slots=True, frozen=True)
class LinksMetrics:
    """Counters the routers update; registered on the instrumentation's registry."""

    created: Counter
    create_failures: Counter
    resolves: Counter
    auth_failures: Counter
    domain_checks: Counter

    @classmethod
    def register(cls, registry: CollectorRegistry) -> LinksMetrics:
        """Create the counters on ``registry``."""

        def counter(name: str, documentation: str, label: str, values: tuple[str, ...]) -> Counter:
            return labelled_counter(
                name, documentation, registry=registry, label=label, values=values
            )

        return cls(
            created=counter(
                "hop_links_links_created",
                "Links created, by API route (single or batch).",
                "route",
                CREATE_ROUTES,
            ),
            create_failures=counter(
                "hop_links_create_failures",
                "Link creations refused, by reason (invalid, taken).",
                "reason",
                CREATE_FAILURE_REASONS,
            ),
            resolves=counter(
                "hop_links_resolves",
                "Internal resolves, by result (hit: found, miss: unknown code).",
                "result",
                RESOLVE_RESULTS,
            ),
            auth_failures=Counter(
                "hop_links_auth_failures",
                "Requests refused for a missing, unknown or revoked API key.",
                registry=registry,
            ),
            domain_checks=counter(
                "hop_links_domain_checks",
                "Branded domains' ownership checks (on request and periodic), by result "
                "(proved: the TXT record or the HTTP token; not_proved: neither).",
                "result",
                DOMAIN_CHECK_RESULTS,
            ),
        )
