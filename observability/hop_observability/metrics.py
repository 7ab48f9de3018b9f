"""Every metric the dashboards and rules read, named once.

The ``hop_*``, ``http_server_*`` and ``db_client_*`` names are the ones the services export
(a test checks each against the services' own metric definitions); the others come from
Prometheus itself, cAdvisor and kube-state-metrics in a cluster.
"""

from __future__ import annotations

from typing import Final

from hop_observability import _services

__all__ = [
    "ACTIVE_REQUESTS",
    "ANALYTICS_BATCH_SIZE",
    "ANALYTICS_CONSUMER_STATE",
    "ANALYTICS_DEAD_LETTERED",
    "ANALYTICS_DISABLED",
    "ANALYTICS_DUPLICATES",
    "ANALYTICS_INGESTED",
    "ANALYTICS_INGESTION_LAG",
    "ANALYTICS_RECEIVED",
    "ANALYTICS_REJECTED",
    "ANALYTICS_STREAM_LAG",
    "ANALYTICS_STREAM_PENDING",
    "BUILD_INFO",
    "CLUSTER_METRICS",
    "CONSOLE_CSRF_REJECTIONS",
    "CONSOLE_PEER_FAILURES",
    "CONSOLE_SIGN_INS",
    "CONTAINER_CPU",
    "CONTAINER_LIMITS",
    "CONTAINER_MEMORY",
    "CONTAINER_RESTARTS",
    "CONTAINER_WAITING",
    "CPU_PERIODS",
    "CPU_THROTTLED_PERIODS",
    "DB_OPERATION_DURATION",
    "DEPLOYMENT_AVAILABLE",
    "EVENT_LOOP_LAG",
    "HPA_CURRENT_REPLICAS",
    "HPA_MAX_REPLICAS",
    "LINKS_AUTH_FAILURES",
    "LINKS_CREATED",
    "LINKS_CREATE_FAILURES",
    "LINKS_DOMAIN_CHECKS",
    "LINKS_RESOLVES",
    "POD_PHASE",
    "RATE_LIMITED",
    "REDIRECT_CACHE_EVICTIONS",
    "REDIRECT_CACHE_HITS",
    "REDIRECT_CACHE_LOOKUPS_THROTTLED",
    "REDIRECT_CACHE_MISSES",
    "REDIRECT_CACHE_NEGATIVE_HITS",
    "REDIRECT_CACHE_SIZE",
    "REDIRECT_CACHE_STALE_SERVED",
    "REDIRECT_CLICKS_BUFFERED",
    "REDIRECT_CLICKS_DROPPED",
    "REDIRECT_CLICKS_SENT",
    "REDIRECT_CLICKS_SPOOLED",
    "REDIRECT_SPOOL_BYTES",
    "REDIRECT_SPOOL_CAPACITY_BYTES",
    "REDIRECT_SPOOL_CAPACITY_EVENTS",
    "REDIRECT_SPOOL_EVENTS",
    "REQUEST_DURATION",
    "SERVICES",
    "TRAEFIK_DURATION",
    "TRAEFIK_REQUESTS",
    "UP",
    "VOLUME_AVAILABLE",
    "VOLUME_CAPACITY",
]

#: The services, as the ``job`` matcher and the SLOs name them (the registry's, generated).
SERVICES: Final = _services.SERVICES

# Every service (hop_instrumentation).
REQUEST_DURATION: Final = "http_server_request_duration_seconds"
ACTIVE_REQUESTS: Final = "http_server_active_requests"
BUILD_INFO: Final = "hop_build_info"
EVENT_LOOP_LAG: Final = "hop_event_loop_lag_seconds"
#: Requests refused with 429 on the rate-limited paths (``/api/`` by default), by ``reason``.
RATE_LIMITED: Final = "hop_http_rate_limited_requests_total"

# Every service with a database (hop_instrumentation.database): links, analytics.
DB_OPERATION_DURATION: Final = "db_client_operation_duration_seconds"

# redirect
REDIRECT_CACHE_HITS: Final = "hop_redirect_cache_hits_total"
REDIRECT_CACHE_MISSES: Final = "hop_redirect_cache_misses_total"
REDIRECT_CACHE_NEGATIVE_HITS: Final = "hop_redirect_cache_negative_hits_total"
REDIRECT_CACHE_STALE_SERVED: Final = "hop_redirect_cache_stale_served_total"
REDIRECT_CACHE_LOOKUPS_THROTTLED: Final = "hop_redirect_cache_lookups_throttled_total"
REDIRECT_CACHE_EVICTIONS: Final = "hop_redirect_cache_evictions_total"
REDIRECT_CACHE_SIZE: Final = "hop_redirect_cache_size"
REDIRECT_CLICKS_BUFFERED: Final = "hop_redirect_clicks_buffered"
REDIRECT_CLICKS_SENT: Final = "hop_redirect_clicks_sent_total"
REDIRECT_CLICKS_DROPPED: Final = "hop_redirect_clicks_dropped_total"
REDIRECT_CLICKS_SPOOLED: Final = "hop_redirect_clicks_spooled_total"
REDIRECT_SPOOL_EVENTS: Final = "hop_redirect_clicks_spool_events"
REDIRECT_SPOOL_BYTES: Final = "hop_redirect_clicks_spool_bytes"
REDIRECT_SPOOL_CAPACITY_EVENTS: Final = "hop_redirect_clicks_spool_capacity_events"
REDIRECT_SPOOL_CAPACITY_BYTES: Final = "hop_redirect_clicks_spool_capacity_bytes"

# links
LINKS_CREATED: Final = "hop_links_links_created_total"
LINKS_CREATE_FAILURES: Final = "hop_links_create_failures_total"
LINKS_RESOLVES: Final = "hop_links_resolves_total"
LINKS_AUTH_FAILURES: Final = "hop_links_auth_failures_total"
#: Branded domains' ownership checks, by result (proved, not_proved).
LINKS_DOMAIN_CHECKS: Final = "hop_links_domain_checks_total"

# analytics
ANALYTICS_RECEIVED: Final = "hop_analytics_events_received_total"
ANALYTICS_INGESTED: Final = "hop_analytics_events_ingested_total"
ANALYTICS_DUPLICATES: Final = "hop_analytics_events_duplicates_total"
ANALYTICS_REJECTED: Final = "hop_analytics_events_rejected_total"
#: Events of a link inside one of its disabled periods (served from redirect's cache).
ANALYTICS_DISABLED: Final = "hop_analytics_events_disabled_total"
ANALYTICS_BATCH_SIZE: Final = "hop_analytics_batch_size"
ANALYTICS_INGESTION_LAG: Final = "hop_analytics_ingestion_lag_seconds"
ANALYTICS_CONSUMER_STATE: Final = "hop_analytics_stream_consumer_state"
ANALYTICS_DEAD_LETTERED: Final = "hop_analytics_events_dead_lettered_total"
#: The consumer group's entries not delivered yet, and delivered but not acknowledged.
ANALYTICS_STREAM_LAG: Final = "hop_analytics_stream_lag_events"
ANALYTICS_STREAM_PENDING: Final = "hop_analytics_stream_pending_events"

# console
CONSOLE_SIGN_INS: Final = "hop_console_sign_ins_total"
CONSOLE_CSRF_REJECTIONS: Final = "hop_console_csrf_rejections_total"
CONSOLE_PEER_FAILURES: Final = "hop_console_peer_failures_total"

# Prometheus' own scrape health.
UP: Final = "up"

# Traefik, the cluster's edge (its service metrics, by Traefik's name of the backend Service).
TRAEFIK_REQUESTS: Final = "traefik_service_requests_total"
TRAEFIK_DURATION: Final = "traefik_service_request_duration_seconds"

# cAdvisor and kube-state-metrics: only in a cluster.
CONTAINER_CPU: Final = "container_cpu_usage_seconds_total"
CONTAINER_MEMORY: Final = "container_memory_working_set_bytes"
CONTAINER_RESTARTS: Final = "kube_pod_container_status_restarts_total"
DEPLOYMENT_AVAILABLE: Final = "kube_deployment_status_replicas_available"
STATEFULSET_AVAILABLE: Final = "kube_statefulset_status_replicas_available"
CONTAINER_LIMITS: Final = "kube_pod_container_resource_limits"
CONTAINER_WAITING: Final = "kube_pod_container_status_waiting_reason"
POD_PHASE: Final = "kube_pod_status_phase"
HPA_CURRENT_REPLICAS: Final = "kube_horizontalpodautoscaler_status_current_replicas"
HPA_MAX_REPLICAS: Final = "kube_horizontalpodautoscaler_spec_max_replicas"
CPU_THROTTLED_PERIODS: Final = "container_cpu_cfs_throttled_periods_total"
CPU_PERIODS: Final = "container_cpu_cfs_periods_total"
VOLUME_AVAILABLE: Final = "kubelet_volume_stats_available_bytes"
VOLUME_CAPACITY: Final = "kubelet_volume_stats_capacity_bytes"

#: Metrics no process on a build machine exports; panels reading them are cluster-only.
CLUSTER_METRICS: Final = frozenset(
    {
        CONTAINER_CPU,
        CONTAINER_LIMITS,
        CONTAINER_MEMORY,
        CONTAINER_WAITING,
        CPU_PERIODS,
        CPU_THROTTLED_PERIODS,
        HPA_CURRENT_REPLICAS,
        HPA_MAX_REPLICAS,
        POD_PHASE,
        VOLUME_AVAILABLE,
        VOLUME_CAPACITY,
        CONTAINER_RESTARTS,
        DEPLOYMENT_AVAILABLE,
        TRAEFIK_REQUESTS,
        TRAEFIK_DURATION,
    }
)
