"""Write the strict values.schema.json of every thin chart (links, redirect, analytics, console).

The three thin charts share the hop-service library's values, whose defaults live in the
library (charts/hop-service/templates/_hop-service.defaults.tpl); only their image, settings,
secrets, resources, call-graph edges and migration differ. Every object rejects keys it does
not list; only what the library does not default is required (image.repository, resources).
Run ``uv run python tools/chart_schemas.py`` after changing a chart's values; tests/charts
checks that the committed schemas equal this output.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
Schema = dict[str, Any]


def strict(properties: Schema, required: list[str] | None = None) -> Schema:
    """Return an object schema that rejects keys it does not list (all required unless given)."""
    schema: Schema = {"type": "object", "additionalProperties": False, "properties": properties}
    schema["required"] = sorted(properties) if required is None else required
    return schema


def defaulted(properties: Schema) -> Schema:
    """Return a strict object schema whose keys all default in the library chart (none required)."""
    return strict(properties, required=[])


def open_object(properties: Schema) -> Schema:
    """Return an object schema checking the keys it lists and accepting others (``global``)."""
    return {"type": "object", "properties": properties, "required": []}


STRING = {"type": "string"}
BOOL = {"type": "boolean"}
NAME = {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "maxLength": 63}
PORT = {"type": "integer", "minimum": 1, "maximum": 65535}
SECONDS = {"type": "integer", "minimum": 0, "maximum": 3600}
QUANTITY = {"type": ["string", "number"]}
LABELS = {"type": "object", "additionalProperties": {"type": "string"}}
SELECTOR = strict(
    {
        "matchLabels": LABELS,
        "matchExpressions": {"type": "array", "items": {"type": "object"}},
    },
    required=[],
)
PEER = strict(
    {
        "namespaceSelector": SELECTOR,
        "podSelector": SELECTOR,
        "ipBlock": strict(
            {"cidr": STRING, "except": {"type": "array", "items": STRING}}, required=["cidr"]
        ),
    },
    required=[],
)
PEERS = {"type": "array", "items": PEER}
EDGE = defaulted({"to": PEERS, "ports": {"type": "array", "items": PORT, "minItems": 1}})
SECRET_REF = strict(
    {
        "name": NAME,
        "key": {"type": "string", "minLength": 1},
        "file": {"type": "string", "pattern": "^HOP_[A-Z0-9_]+$"},
    },
    required=["key", "name"],
)
RESOURCES = strict(
    {
        "requests": strict({"cpu": QUANTITY, "memory": QUANTITY}),
        "limits": strict({"cpu": QUANTITY, "memory": QUANTITY}),
    }
)

CONTAINER = {"type": "object", "required": ["image"], "properties": {"image": STRING}}
PULL_SECRETS = {"type": "array", "items": NAME}
CIDR = {
    "type": "string",
    "pattern": (  # an IPv4 or IPv6 address or network
        "^(([0-9]{1,3}\\.){3}[0-9]{1,3}(/[0-9]{1,2})?|[0-9A-Fa-f]*:[0-9A-Fa-f:.]*(/[0-9]{1,3})?)$"
    ),
}
HOST = {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", "maxLength": 253}

GLOBAL = open_object(
    {
        "environment": {"enum": ["local", "dev", "staging", "production", "test"]},
        "host": HOST,
        "https": BOOL,
        "imageRegistry": STRING,
        "imagePullSecrets": PULL_SECRETS,
        "otlpEndpoint": STRING,
        "trustedProxies": {"type": "array", "items": CIDR},
        "limits": defaulted(
            {
                "maxBodyBytes": {"type": "integer", "minimum": 1024},
                "maxBatchBodyBytes": {"type": "integer", "minimum": 1024},
            }
        ),
        "serviceMonitor": defaulted(
            {
                "enabled": BOOL,
                "interval": {"type": "string", "pattern": "^[0-9]+(ms|s|m|h)$"},
                "labels": LABELS,
            }
        ),
        "networkPolicy": defaulted(
            {
                "enabled": BOOL,
                "ingressController": PEERS,
                "gateway": PEERS,
                "prometheus": PEERS,
                "dns": EDGE,
                "database": EDGE,
                "redis": EDGE,
                "otlp": EDGE,
            }
        ),
    }
)

COMMON_SETTINGS: Schema = {
    "logLevel": {"type": "string", "pattern": "^(?i:debug|info|warning|error|critical)$"},
    "logFormat": {"enum": ["json", "console"]},
    "workers": {"type": "integer", "minimum": 1, "maximum": 64},
    "traceSampleRatio": {"type": "number", "minimum": 0, "maximum": 1},
}
POOL_SETTINGS: Schema = {
    "databasePoolSize": {"type": "integer", "minimum": 1, "maximum": 200},
    "databaseMaxOverflow": {"type": "integer", "minimum": 0, "maximum": 200},
}

SERVICES: dict[str, dict[str, Any]] = {
    "links": {
        "settings": {
            "publicBaseUrl": {"type": "string", "pattern": "^(https?://.+)?$"},
            **POOL_SETTINGS,
        },
        "secrets": ["database", "redis"],
        "migration": True,
    },
    "redirect": {
        "settings": {
            "clickTransport": {"enum": ["http", "redis"]},
            "clickStream": {"type": "string", "minLength": 1},
            "redisCache": BOOL,
        },
        "secrets": ["redis"],
        "migration": False,
    },
    "analytics": {
        "settings": {
            "clickTransport": {"enum": ["http", "redis"]},
            "clickStream": {"type": "string", "minLength": 1},
            **POOL_SETTINGS,
        },
        "secrets": ["database", "redis"],
        "migration": True,
    },
    "console": {
        "settings": {
            "basePath": {"type": "string", "pattern": "^(/[A-Za-z0-9_-]+)+$"},
            "sessionMaxAge": {"type": "integer", "minimum": 60, "maximum": 604800},
        },
        "secrets": ["session"],
        "migration": False,
    },
}


SPOOL = defaulted(
    {
        "enabled": BOOL,
        "path": {"type": "string", "pattern": "^/"},
        "sizeMi": {"type": "integer", "minimum": 16},
        "budgetPercent": {"type": "integer", "minimum": 1, "maximum": 100},
        "eventBytes": {"type": "integer", "minimum": 64},
        "persistent": defaulted({"enabled": BOOL, "storageClassName": STRING}),
    }
)
#: Values blocks one chart has alone: redirect's click spool.
CHART_VALUES: dict[str, Schema] = {"redirect": {"spool": SPOOL}}


def service_schema(name: str) -> Schema:
    """Return the values schema of the thin chart ``name``."""
    spec = SERVICES[name]
    settings = defaulted({**COMMON_SETTINGS, **spec["settings"]})
    properties: Schema = {
        "global": GLOBAL,
        "hop-service": strict({"global": {"type": "object"}}, required=[]),  # library: no values
        "image": strict(
            {
                "repository": {"type": "string", "minLength": 1},
                "tag": STRING,
                "digest": {"type": "string", "pattern": "^(sha256:[a-f0-9]{64})?$"},
                "pullPolicy": {"enum": ["Always", "IfNotPresent", "Never"]},
            },
            required=["repository"],
        ),
        "replicaCount": {"type": "integer", "minimum": 1},
        "command": {"type": "array", "items": STRING},
        "args": {"type": "array", "items": STRING},
        "env": {
            "type": "object",
            "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
            "additionalProperties": {
                "oneOf": [
                    {"type": ["string", "number", "boolean"]},
                    strict({"valueFrom": {"type": "object"}}),
                ]
            },
        },
        "envFrom": {"type": "array", "items": {"type": "object"}},
        "settings": settings,
        "secrets": defaulted(dict.fromkeys(spec["secrets"], SECRET_REF)),
        "rateLimit": defaulted({"redis": BOOL}),
        "shutdown": defaulted(
            {
                "preStopSeconds": SECONDS,
                "delaySeconds": SECONDS,
                "drainSeconds": SECONDS,
                "terminationGracePeriodSeconds": SECONDS,
            }
        ),
        "probes": defaulted(
            {
                "startupFailureThreshold": {"type": "integer", "minimum": 1},
                "readinessPeriodSeconds": {"type": "integer", "minimum": 1},
            }
        ),
        "resources": RESOURCES,
        "tmpSizeLimit": QUANTITY,
        "podDisruptionBudget": defaulted(
            {"enabled": BOOL, "maxUnavailable": {"type": ["integer", "string"]}}
        ),
        "autoscaling": defaulted(
            {
                "enabled": BOOL,
                "minReplicas": {"type": "integer", "minimum": 1},
                "maxReplicas": {"type": "integer", "minimum": 1},
                "targetCPUUtilizationPercentage": {"type": "integer", "minimum": 1},
            }
        ),
        "topologySpread": defaulted(
            {
                "enabled": BOOL,
                "maxSkew": {"type": "integer", "minimum": 1},
                "whenUnsatisfiable": {"enum": ["ScheduleAnyway", "DoNotSchedule"]},
            }
        ),
        "networkPolicy": defaulted(
            {
                "public": BOOL,
                "callers": {"type": "array", "items": {"enum": list(SERVICES)}},
                "callees": {"type": "array", "items": {"enum": list(SERVICES)}},
                "internalCallers": {"type": "array", "items": {"enum": list(SERVICES)}},
                "internalCallees": {"type": "array", "items": {"enum": list(SERVICES)}},
                "database": BOOL,
                "redis": BOOL,
                "otlp": BOOL,
            }
        ),
        "serviceAccount": defaulted({"annotations": LABELS}),
        "service": defaulted({"annotations": LABELS}),
        "podLabels": LABELS,
        "podAnnotations": LABELS,
        "imagePullSecrets": PULL_SECRETS,
        "priorityClassName": STRING,
        "nodeSelector": LABELS,
        "affinity": {"type": "object"},
        "tolerations": {"type": "array", "items": {"type": "object"}},
        "extraVolumes": {"type": "object", "additionalProperties": {"type": "object"}},
        "extraVolumeMounts": {
            "type": "object",
            "additionalProperties": strict(
                {
                    "mountPath": {"type": "string", "pattern": "^/"},
                    "readOnly": BOOL,
                    "subPath": STRING,
                },
                required=["mountPath"],
            ),
        },
        "initContainers": {"type": "object", "additionalProperties": CONTAINER},
        "sidecars": {"type": "object", "additionalProperties": CONTAINER},
        "devSync": defaulted({"enabled": BOOL, "path": {"type": "string", "pattern": "^/"}}),
    }
    if spec["migration"]:
        properties["migration"] = defaulted(
            {
                "enabled": BOOL,
                "backoffLimit": {"type": "integer", "minimum": 0},
                "activeDeadlineSeconds": {"type": "integer", "minimum": 1},
                "priorityClassName": STRING,
                "resources": RESOURCES,
            }
        )
    properties.update(CHART_VALUES.get(name, {}))
    schema = strict(properties, required=["image", "resources"])
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": f"hop {name} chart values",
        **schema,
    }


def render(name: str) -> str:
    """Return the schema file's text."""
    return json.dumps(service_schema(name), indent=2) + "\n"


def main() -> int:
    """Write every thin chart's values.schema.json."""
    for name in SERVICES:
        (ROOT / "charts" / name / "values.schema.json").write_text(render(name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
