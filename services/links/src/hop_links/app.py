"""The links service's app factory."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.middleware import Middleware

from hop_instrumentation import (
    HealthCheck,
    get_instrumentation,
    instrument_redis,
    instrument_sqlalchemy,
    load_settings,
)
from hop_instrumentation import (
    create_app as create_instrumented_app,
)
from hop_instrumentation.database import DatabaseMetrics, create_engine, ping
from hop_instrumentation.services import lifespan_of
from hop_links.accounts import AccountStore
from hop_links.create_front import CreateFront
from hop_links.dependencies import LinksServices, authenticate_before_body
from hop_links.direct import DirectPostgres, is_postgres
from hop_links.domain_names import DomainRules
from hop_links.domain_proofs import ProvingChecker
from hop_links.domain_store import DomainStore
from hop_links.front import ResolveFront
from hop_links.http_errors import install_error_handlers
from hop_links.metrics import LinksMetrics
from hop_links.rechecks import DomainRechecks, RecheckSchedule
from hop_links.resolver import EngineResolver, PostgresResolver, Resolver
from hop_links.routers import challenge, domains, internal, links, sessions
from hop_links.settings import LinksSettings
from hop_links.shared_cache import SharedLinkCache
from hop_links.store import LinkStore
from hop_links.verification import ProofChecker

__all__ = ["app_from_environment", "create_app"]

DESCRIPTION = """\
Short links, their owners and API keys.

Every `/api/v1/links` and `/api/v1/domains` route needs `Authorization: Bearer <api key>`;
an operator creates keys with `hop-links keys create OWNER`. An API key sees and changes
only its owner's links and branded domains. `/.well-known/hop-challenge/{token}` answers a
branded domain's HTTP proof.
`/internal/v1/links/{code}` and `/internal/v1/links:resolve` (many codes at once) are
cluster-internal: the redirect service's cache-miss path. `/internal/v1/sessions` (also
internal) exchanges an API key for a console session token, lists and ends sessions.
"""


def create_app(
    settings: LinksSettings,
    *,
    span_processors: tuple[SpanProcessor, ...] = (),
    clock: Callable[[], float] = time.monotonic,
) -> FastAPI:
    """Return the links app: routes, database engine, readiness check and metrics.

    ``clock`` (monotonic seconds) times the cache of recently authenticated API keys.
    """
    app = create_instrumented_app(
        settings,
        lifespan=lifespan_of(LinksServices),
        span_processors=span_processors,
        title="hop links",
        version=settings.service_version,
        description=DESCRIPTION,
    )
    hop = get_instrumentation(app)
    engine = create_engine(settings.database_url, pool=settings.database_pool)
    instrument_sqlalchemy(engine, tracer_provider=hop.tracer_provider)
    database_metrics = DatabaseMetrics(hop.metrics.registry)
    database_metrics.instrument(engine)
    direct = None
    if is_postgres(engine):
        tracer = hop.tracer_provider.get_tracer("hop_links.direct")
        direct = DirectPostgres(
            engine, tracer=tracer, metrics=database_metrics, timeout=settings.database_pool_timeout
        )
    domain_store = DomainStore(
        engine,
        rules=DomainRules(
            platform_host=settings.platform_domain,
            allow_platform_subdomains=settings.allow_platform_subdomains,
            denied=settings.domain_deny_list,
        ),
        max_per_owner=settings.max_domains_per_owner,
    )
    metrics = LinksMetrics.register(hop.metrics.registry)
    app.state.services = LinksServices(
        settings=settings,
        engine=engine,
        links=LinkStore(
            engine,
            public_host=settings.public_host,
            allow_internal_targets=settings.allow_internal_targets,
            domains=domain_store,
            direct=direct,
        ),
        domains=domain_store,
        accounts=AccountStore(
            engine, direct=direct, key_cache_ttl=settings.api_key_cache_ttl, clock=clock
        ),
        metrics=metrics,
        shared_cache=_shared_cache(settings, hop.tracer_provider),
        resolver=_resolver(settings, engine, direct, hop.tracer_provider),
        **_verification(settings, domain_store, metrics),
    )
    hop.readiness.add_check(HealthCheck("database", lambda: ping(engine)))
    install_error_handlers(app)
    app.include_router(links.router)
    app.include_router(domains.router)
    app.include_router(challenge.router)
    app.include_router(internal.router)  # served on the internal port only
    app.include_router(sessions.router)  # the console's sessions: internal port too
    hop.limits.route_body_bytes[f"{links.router.prefix}:batch"] = settings.max_batch_body_bytes
    hop.limits.authenticate = authenticate_before_body(app.state.services)
    hop.limits.authenticated_prefixes = (links.router.prefix, domains.router.prefix)
    # Innermost of hop's middlewares (add_middleware would make it the outermost): the
    # limits, rate limits and instrumentation see its creates as the route's.
    app.user_middleware.append(Middleware(CreateFront, services=app.state.services))
    hop.front = ResolveFront(app)
    return app


def _verification(
    settings: LinksSettings, store: DomainStore, metrics: LinksMetrics
) -> dict[str, Any]:
    if not settings.verification_enabled:
        return {}
    checker = ProvingChecker(ProofChecker(settings.verification), metrics=metrics)
    schedule = RecheckSchedule(
        pending_interval=settings.verification_pending_interval,
        pending_max_interval=settings.verification_pending_max_interval,
        verified_interval=settings.verification_verified_interval,
    )
    rechecks = DomainRechecks(
        store,
        checker,
        schedule=schedule,
        now=store.now,
        poll=settings.verification_poll_interval,
    )
    return {"checker": checker, "rechecks": rechecks}


def _shared_cache(settings: LinksSettings, provider: TracerProvider) -> SharedLinkCache | None:
    if not settings.redis_cache:
        return None
    client = Redis.from_url(settings.redis_url, socket_timeout=2.0, socket_connect_timeout=2.0)
    instrument_redis(client, tracer_provider=provider)
    return SharedLinkCache(client, prefix=settings.redis_cache_prefix, ttl=settings.redis_cache_ttl)


def _resolver(
    settings: LinksSettings,
    engine: AsyncEngine,
    direct: DirectPostgres | None,
    provider: TracerProvider,
) -> Resolver:
    if settings.resolve_pool_size == 0 or not is_postgres(engine):
        return EngineResolver(engine, direct=direct)
    return PostgresResolver(
        engine.url,
        size=settings.resolve_pool_size,
        timeout=settings.database_pool_timeout,
        tracer=provider.get_tracer("hop_links.resolver"),
    )


def app_from_environment() -> FastAPI:
    """Build the app from ``HOP_*`` variables (what `hop-links serve` runs)."""
    return create_app(load_settings(LinksSettings))
