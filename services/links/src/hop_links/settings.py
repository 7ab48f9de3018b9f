"""The links service's settings: `HOP_*` variables, read once at startup."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, Self
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import NoDecode

from hop_contracts import DEFAULT_LINK_CACHE_PREFIX, SESSIONS_PATH
from hop_instrumentation.database import DatabaseSettings
from hop_instrumentation.settings import RedisUrl
from hop_links.hosts import InvalidHostError, canonical_host
from hop_links.verification import VerificationOptions, parse_host_port

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
    verification_enabled: bool = Field(
        default=True,
        description="Check branded domains' proofs (DNS TXT, HTTP): on POST ...:verify and "
        "periodically. Off: domains stay as they are (the chart's NetworkPolicy then gives "
        "links no egress to DNS or ports 80/443).",
    )
    verification_nameservers: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        description="DNS servers the checks ask, host:port (port 53 if left out; a,b or a "
        "JSON list); empty: the system's resolvers (/etc/resolv.conf).",
    )
    verification_timeout: float = Field(
        default=5.0, ge=0.1, le=30, description="Seconds one check (DNS or HTTP) may take."
    )
    verification_connect_to: str | None = Field(
        default=None,
        description="host:port the HTTP check connects to instead of the domain's own "
        "addresses, sending Host: <domain> (like curl --resolve): make run's edge, tests.",
    )
    verification_allow_internal: bool = Field(
        default=False,
        description="Let the HTTP check connect to loopback, private and metadata addresses "
        "(make run, tests): by default a domain pointing there is refused.",
    )
    verification_pending_interval: float = Field(
        default=60.0,
        ge=5,
        le=3600,
        description="Seconds from a pending domain's creation to its first periodic check; "
        "each failed check doubles it, up to HOP_VERIFICATION_PENDING_MAX_INTERVAL. A failed "
        "domain is re-checked this often.",
    )
    verification_pending_max_interval: float = Field(
        default=3600.0, ge=60, le=86400, description="The longest wait between pending checks."
    )
    verification_verified_interval: float = Field(
        default=14400.0,
        ge=300,
        le=604800,
        description="Seconds between re-checks of a verified domain.",
    )
    verification_poll_interval: float = Field(
        default=15.0,
        ge=1,
        le=600,
        description="Seconds between two looks for due domains (each replica; a domain is "
        "claimed by one replica at a time).",
    )

    @field_validator("verification_nameservers")
    @classmethod
    def _nameservers_parse(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for text in value:
            parse_host_port(text, 53)
        return value

    @field_validator("verification_connect_to")
    @classmethod
    def _connect_to_parses(cls, value: str | None) -> str | None:
        if value:
            parse_host_port(value, 80)
        return value or None

    @model_validator(mode="after")
    def _pending_intervals_ordered(self) -> Self:
        if self.verification_pending_max_interval < self.verification_pending_interval:
            raise ValueError(
                "HOP_VERIFICATION_PENDING_MAX_INTERVAL must be at least "
                "HOP_VERIFICATION_PENDING_INTERVAL"
            )
        return self

    @property
    def verification(self) -> VerificationOptions:
        """Return how domain checks reach DNS and HTTP."""
        return VerificationOptions(
            nameservers=self.verification_nameservers,
            timeout=self.verification_timeout,
            connect_to=self.verification_connect_to,
            allow_internal=self.verification_allow_internal,
        )

    max_domains_per_owner: int = Field(
        default=20,
        ge=0,
        le=10000,
        description="Branded domains an owner may add (0 to 10000; 0 turns adding off); a "
        "domain is counted whatever its status.",
    )
    allow_platform_subdomains: bool = Field(
        default=False,
        description="Let owners add subdomains of the public base URL's host as branded "
        "domains (only where every such name is the operator's to give).",
    )
    domain_deny_list: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        max_length=1000,
        description="Domain names owners may not add, with their subdomains (a,b or a JSON "
        "list; any spelling, compared canonically).",
    )
    branded_url_scheme: Literal["https", "http"] = Field(
        default="https",
        description="Scheme of a branded domain's short_url (https://<domain>/<code>); http "
        "for local runs without TLS.",
    )

    @field_validator("domain_deny_list", "verification_nameservers", mode="before")
    @classmethod
    def _names_list(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        text = value.strip()
        if text.startswith("["):
            try:
                return json.loads(text)
            except ValueError:
                raise ValueError('is not a JSON list; use a,b or ["a", "b"]') from None
        return tuple(part.strip() for part in text.split(",") if part.strip())

    @field_validator("domain_deny_list")
    @classmethod
    def _canonical_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        names = []
        for written in value:
            try:
                names.append(canonical_host(written).name)
            except InvalidHostError as err:
                raise ValueError(f"{written[:100]!r} is not a domain name: {err}") from None
        return tuple(names)

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

    @property
    def platform_domain(self) -> str:
        """Return the platform domain's canonical name (the public base URL's host)."""
        return canonical_host(self.public_host).name

    def short_url(self, code: str, domain: str = "") -> str:
        """Return the short URL of ``code`` on ``domain`` (a branded name; "": the platform's)."""
        if not domain:
            return f"{self.public_base_url}/{code}"
        return f"{self.branded_url_scheme}://{domain}/{code}"
