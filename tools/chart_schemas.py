"""The strict values.schema.json of every thin chart, from the registry and each Settings model.

The thin charts share the hop-service library's values, whose defaults live in the library
(charts/hop-service/templates/_hop-service.defaults.tpl, shown in each chart's values.yaml under
``global.serviceDefaults``); only their image, settings, secrets, call-graph edges and
migration differ, and the blocks one chart has alone (``CHART_VALUES``: redirect's click
spool, set above the marker of its values.yaml). A setting's bounds come from the service's
pydantic ``Settings`` field (its JSON schema), never repeated here. Every object rejects keys
it does not list; only what the library does not default is required (image.repository).
``make generate`` writes the files (tools/hop_generate); tests/ci/test_generated.py checks that
the committed ones equal its output.
"""

from __future__ import annotations

import importlib
import json
import re
from typing import Any, Final

import yaml
from hop_local.services import ROOT, SERVICES, by_name
from pydantic import BaseModel

from hop_instrumentation.settings import ServiceSettings

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
# A Kubernetes quantity (100m, 0.5, 1Gi, 1e3): "lots" fails at render, not at apply.
QUANTITY = {
    "anyOf": [
        {"type": "number", "minimum": 0},
        {
            "type": "string",
            "pattern": r"^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|[numkMGTPE]|[KMGTPE]i)?$",
        },
    ]
}
ID = {"type": ["integer", "null"], "minimum": 0}
FLAG = {"type": ["boolean", "null"]}
SECCOMP = {"type": ["object", "null"]}
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
RESOURCES = defaulted(  # the library defaults every one (charts/hop-service)
    {
        "requests": defaulted({"cpu": QUANTITY, "memory": QUANTITY}),
        "limits": defaulted({"cpu": QUANTITY, "memory": QUANTITY}),
    }
)

MIGRATION = defaulted(
    {
        "enabled": BOOL,
        "backoffLimit": {"type": "integer", "minimum": 0},
        "activeDeadlineSeconds": {"type": "integer", "minimum": 1},
        "priorityClassName": STRING,
        "resources": RESOURCES,
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
                "externalDns": EDGE,
                "web": EDGE,
            }
        ),
    }
)

#: Settings every service chart has (the library's `settings:` defaults).
COMMON_SETTINGS: Final = ("logLevel", "logFormat", "workers", "traceSampleRatio")
#: The JSON-schema keywords copied from a Settings field's schema into the chart's.
_KEYWORDS: Final = (
    "type", "enum", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "pattern",
    "minLength", "maxLength",
)  # fmt: skip
#: Where a chart value means more than the setting: "" derives the URL from global.host.
CHART_ONLY: Final[Schema] = {"publicBaseUrl": {"type": "string", "pattern": "^(https?://.+)?$"}}


def settings_model(service: str) -> type[BaseModel]:
    """Return the pydantic ``Settings`` class of ``service`` (its settings module's one)."""
    module = importlib.import_module(f"hop_{service}.settings")
    found = [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, ServiceSettings)
        and value.__module__ == module.__name__
    ]
    if len(found) != 1:
        raise ValueError(
            f"{module.__name__} defines {len(found)} ServiceSettings classes; "
            "define exactly one, the service's settings."
        )
    return found[0]


def setting_schema(model: type[BaseModel], key: str) -> Schema:
    """Return the chart schema of the setting ``key`` (camelCase), derived from ``model``."""
    if key in CHART_ONLY:
        return dict(CHART_ONLY[key])
    field = re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()
    document = model.model_json_schema(by_alias=False)
    found = document["properties"].get(field)
    if found is None:
        raise ValueError(
            f"settings.{key}: {model.__name__} has no field {field!r}; "
            "add the field or remove the key from the chart's values.yaml."
        )
    return _constraints(found, document.get("$defs", {}))


def _constraints(found: Schema, definitions: Schema) -> Schema:
    if "$ref" in found:
        found = {**definitions[found["$ref"].rsplit("/", 1)[1]], **found}
    options = [o for o in found.get("anyOf", []) if o.get("type") != "null"]
    if len(options) == 1:
        found = {**found, **options[0]}
    return {key: found[key] for key in _KEYWORDS if key in found}


def chart_settings(service: str) -> list[str]:
    """Return the settings keys of the chart ``service``: the library's and its values.yaml's."""
    values = yaml.safe_load((ROOT / "charts" / service / "values.yaml").read_text()) or {}
    own = [key for key in values.get("settings") or {} if key not in COMMON_SETTINGS]
    return [*COMMON_SETTINGS, *own]


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
    """Return the values schema of the thin chart ``name``, from the registry and its Settings."""
    service = by_name(name)
    model = settings_model(name)
    settings = defaulted({key: setting_schema(model, key) for key in chart_settings(name)})
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
        "secrets": defaulted(dict.fromkeys(service.secrets, SECRET_REF)),
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
                "topologyKeys": {"type": "array", "items": {"type": "string", "minLength": 1}},
                "maxSkew": {"type": "integer", "minimum": 1},
                "whenUnsatisfiable": {"enum": ["ScheduleAnyway", "DoNotSchedule"]},
            }
        ),
        "podSecurityContext": defaulted(
            {
                "runAsNonRoot": FLAG,
                "runAsUser": ID,
                "runAsGroup": ID,
                "fsGroup": ID,
                "fsGroupChangePolicy": {"enum": ["Always", "OnRootMismatch", None]},
                "supplementalGroups": {"type": ["array", "null"], "items": {"type": "integer"}},
                "seccompProfile": SECCOMP,
                "seLinuxOptions": SECCOMP,
                "appArmorProfile": SECCOMP,
            }
        ),
        "containerSecurityContext": defaulted(
            {
                "runAsNonRoot": FLAG,
                "runAsUser": ID,
                "runAsGroup": ID,
                "readOnlyRootFilesystem": FLAG,
                "allowPrivilegeEscalation": FLAG,
                "privileged": FLAG,
                "capabilities": SECCOMP,
                "seccompProfile": SECCOMP,
                "seLinuxOptions": SECCOMP,
                "appArmorProfile": SECCOMP,
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
                "externalWhen": STRING,
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
    if service.database:
        properties["migration"] = MIGRATION
    properties["enabled"] = BOOL
    properties["global"] = open_object(
        {**GLOBAL["properties"], "serviceDefaults": defaulted(shared_properties(properties))}
    )
    # After serviceDefaults: a block one chart has alone is no default of every service.
    properties.update(CHART_VALUES.get(name, {}))
    schema = strict(properties, required=["image"])
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": f"hop {name} chart values",
        **schema,
    }


def shared_properties(properties: Schema) -> Schema:
    """Return the keys every service shares (``global.serviceDefaults``), none required."""
    own = {"global", "hop-service", "enabled"}
    shared = {key: value for key, value in properties.items() if key not in own}
    shared["image"] = {**properties["image"], "required": []}
    common = {key: properties["settings"]["properties"][key] for key in COMMON_SETTINGS}
    shared["settings"] = defaulted(common)
    shared.setdefault("migration", MIGRATION)
    return shared


def render(name: str) -> str:
    """Return the schema file's text."""
    return json.dumps(service_schema(name), indent=2) + "\n"
