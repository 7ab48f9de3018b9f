"""The domain checker links runs: `hop_links.verification`'s DNS and HTTP proofs, counted.

It is what `POST /api/v1/domains/{name}:verify` and the periodic re-checks
(`hop_links.rechecks`) ask (`hop_links.domain_checks.DomainChecker`), when
``HOP_VERIFICATION_ENABLED`` is on.
"""

from __future__ import annotations

from hop_links.metrics import LinksMetrics
from hop_links.records import DomainCheck, DomainRecord
from hop_links.verification import ProofChecker

__all__ = ["ProvingChecker"]


class ProvingChecker:
    """Check a domain's TXT record and HTTP token; count each result."""

    def __init__(self, proofs: ProofChecker, *, metrics: LinksMetrics | None = None) -> None:
        self._proofs = proofs
        self._metrics = metrics

    async def check(self, domain: DomainRecord) -> DomainCheck:
        """Return whether either proof holds for ``domain`` now, and why not."""
        result = await self._proofs.check(domain.name, domain.token)
        if self._metrics is not None:
            outcome = "proved" if result.proved else "not_proved"
            self._metrics.domain_checks.labels(result=outcome).inc()
        return DomainCheck(proved=result.proved, reason=result.reason)
