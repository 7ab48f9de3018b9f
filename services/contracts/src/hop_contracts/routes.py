"""The paths one service calls on another, and the public prefixes the edge routes by.

Usage::

    client.get(RESOLVE_PATH.format(code=code))

Public prefixes are served on a service's ``http`` port and routed by the Ingress, the
HTTPRoute and the local edge; internal paths are for the services' peers only.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "CHALLENGE_PATH",
    "CHALLENGE_PREFIX",
    "CLICKS_PATH",
    "DOMAINS_PREFIX",
    "DOMAIN_PATH",
    "INTERNAL_PREFIX",
    "LINKS_PREFIX",
    "LINK_CHANGES_PATH",
    "LINK_IDS_PATH",
    "LINK_PATH",
    "OWNER_STATS_PATH",
    "RESOLVE_BATCH_PATH",
    "RESOLVE_PATH",
    "SESSIONS_PATH",
    "SESSION_PATH",
    "STATS_PREFIX",
    "VERIFIED_DOMAINS_PATH",
]

#: links' public API: create, list, read, change and delete links.
LINKS_PREFIX: Final = "/api/v1/links"
#: One link of the caller's owner (``?domain=<name>`` for a code on a branded domain);
#: analytics asks it whether a key owns a code.
LINK_PATH: Final = LINKS_PREFIX + "/{code}"
#: Every link of the caller's owner, id and code (`hop_contracts.OwnedLinks`); analytics
#: reads the owner-wide stats over these ids.
LINK_IDS_PATH: Final = LINKS_PREFIX + ":ids"
#: links' branded domains of the caller's owner (`hop_contracts.Domain`): add, list, read,
#: delete (``/{name}``) and check now (``/{name}:verify``).
DOMAINS_PREFIX: Final = "/api/v1/domains"
DOMAIN_PATH: Final = DOMAINS_PREFIX + "/{name}"
#: The HTTP proof of a domain: links answers ``GET`` with ``hop-challenge=<token>`` on any
#: host, so the edge routes this prefix to links whatever the Host.
CHALLENGE_PREFIX: Final = "/.well-known/hop-challenge"
CHALLENGE_PATH: Final = CHALLENGE_PREFIX + "/{token}"
#: analytics' public API: per-link stats (``/{code}``) and the owner-wide stats.
STATS_PREFIX: Final = "/api/v1/stats"
#: The owner-wide stats across every link the caller's owner has now; the console reads it.
OWNER_STATS_PATH: Final = STATS_PREFIX
#: Every service-to-service route starts here; the edge never routes it.
INTERNAL_PREFIX: Final = "/internal"
#: links resolves a code for redirect's cache-miss path (`hop_contracts.ResolvedLink`);
#: ``?domain=<name>`` for a code on a branded domain (left out: the platform domain).
RESOLVE_PATH: Final = INTERNAL_PREFIX + "/v1/links/{code}"
#: links resolves many codes in one request (`hop_contracts.ResolveRequest`, answered
#: with `hop_contracts.ResolvedLinks`): redirect's concurrent misses, batched.
RESOLVE_BATCH_PATH: Final = INTERNAL_PREFIX + "/v1/links:resolve"
#: links lists the platform host and every verified domain (`hop_contracts.VerifiedDomains`):
#: redirect serves those hosts and answers 404 on any other.
VERIFIED_DOMAINS_PATH: Final = INTERNAL_PREFIX + "/v1/domains:verified"
#: analytics ingests a batch of click events (`hop_contracts.ClickBatch`).
CLICKS_PATH: Final = INTERNAL_PREFIX + "/v1/clicks"
#: links' feed of disable and enable transitions for analytics (`hop_contracts.LinkChangePage`),
#: paged by ``?after=<seq>&limit=<n>``.
LINK_CHANGES_PATH: Final = INTERNAL_PREFIX + "/v1/link-changes"
#: links mints a console session for an API key (`hop_contracts.SessionRequest`, answered
#: with `hop_contracts.NewSession`) and lists the caller's owner's sessions
#: (`hop_contracts.SessionList`); the console calls both, with the key or the session token.
SESSIONS_PATH: Final = INTERNAL_PREFIX + "/v1/sessions"
#: links ends one session of the caller's owner (DELETE, with a session token of that owner).
SESSION_PATH: Final = SESSIONS_PATH + "/{session_id}"
