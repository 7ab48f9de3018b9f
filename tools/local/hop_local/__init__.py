"""hop on one machine: its services and a Traefik edge, for `make run` and the e2e tests.

Modules: `services` (the one list of hop's services, each declared by its pyproject's
``[tool.hop]``), `edge` (Traefik's config from the chart's routes), `stack` (ports,
settings, commands), `prepare` (migrations, the dev API key), `ready` (waiting for
readiness), `banner` and `run` (the `make run` entry point, on honcho).
"""
