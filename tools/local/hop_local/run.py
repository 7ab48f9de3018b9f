"""`make run`: migrate, make sure the dev key exists, then run everything under honcho.

Usage::

    python -m hop_local run [--db postgres] [--redis] [--data-dir .hop] [--edge-port 8080]

Ctrl-C (SIGINT) or SIGTERM makes honcho send SIGTERM to every process: each service
shuts down gracefully (readiness fails, requests drain, clicks flush) and exits 0.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

from honcho.manager import Manager  # type: ignore[import-untyped]
from honcho.printer import Printer  # type: ignore[import-untyped]

from hop_local import prepare
from hop_local.banner import banner
from hop_local.edge import ROOT
from hop_local.ready import NotReadyError, wait_until_ready
from hop_local.stack import MIGRATED, SERVICES, Ports, ServicePorts, Stack

__all__ = ["main", "parse_args", "stack_from_args"]

POSTGRES_DATABASES: Final = {service: f"hop_{service}" for service in MIGRATED}
_DEFAULTS: Final = Ports()
#: honcho's exit codes after it forwarded Ctrl-C or SIGTERM: a clean stop, not a failure.
_STOPPED_BY_SIGNAL: Final = (130, 143)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Parse the command line (see docs/local.md)."""
    parser = argparse.ArgumentParser(prog="python -m hop_local run", description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".hop")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", action="store_true", help="Clicks over a Redis stream.")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--click-stream", default="hop:clicks")
    parser.add_argument("--log-format", choices=("console", "json"), default="console")
    parser.add_argument("--edge-port", type=int, default=_DEFAULTS.edge)
    for service in SERVICES:
        ports = _DEFAULTS.of(service)
        parser.add_argument(f"--{service}-port", type=int, default=ports.http)
        parser.add_argument(f"--{service}-management-port", type=int, default=ports.management)
        parser.add_argument(f"--{service}-internal-port", type=int, default=ports.internal)
    return parser.parse_args(argv)


def stack_from_args(args: argparse.Namespace, environ: Mapping[str, str]) -> Stack:
    """Build the stack the options describe."""
    ports = Ports(
        edge=args.edge_port,
        services={
            service: ServicePorts(
                getattr(args, f"{service}_port"),
                getattr(args, f"{service}_management_port"),
                getattr(args, f"{service}_internal_port"),
            )
            for service in SERVICES
        },
    )
    databases = {}
    if args.db == "postgres":
        base = args.postgres_url.rstrip("/").replace("postgresql://", "postgresql+asyncpg://", 1)
        databases = {service: f"{base}/{name}" for service, name in POSTGRES_DATABASES.items()}
    settings = {}
    if environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") and "HOP_TRACE_SAMPLE_RATIO" not in environ:
        settings["HOP_TRACE_SAMPLE_RATIO"] = "1.0"  # locally, every request is worth a trace
    return Stack(
        data_dir=args.data_dir,
        ports=ports,
        database_urls=databases,
        click_transport="redis" if args.redis else "http",
        redis_url=args.redis_url,
        click_stream=args.click_stream,
        log_format=args.log_format,
        settings=settings,
    )


def main(argv: Sequence[str]) -> int:
    """Prepare and run the stack until Ctrl-C; return the exit code."""
    args = parse_args(argv)
    environ = dict(os.environ)
    stack = stack_from_args(args, environ)
    stack.data_dir.mkdir(parents=True, exist_ok=True)
    if args.db == "postgres":
        prepare.ensure_postgres_databases(args.postgres_url, tuple(POSTGRES_DATABASES.values()))
    print(f"hop: migrating the databases ({_storage(args, stack)})", flush=True)
    key_file = stack.data_dir / ("api-key" if args.db == "sqlite" else f"api-key-{args.db}")
    key, new_key = prepare.prepare(stack, environ, key_file)
    manager = _manager(stack, environ)
    text = banner(stack, key=key, new_key=new_key, storage=_storage(args, stack))
    threading.Thread(target=_announce, args=(stack, text), daemon=True).start()
    manager.loop()
    code = int(manager.returncode or 0)
    return 0 if code in _STOPPED_BY_SIGNAL else code


def _manager(stack: Stack, environ: Mapping[str, str]) -> Manager:
    manager = Manager(Printer(sys.stdout))
    for service in SERVICES:
        manager.add_process(
            service,
            _shell(stack.serve_command(service)),
            env={**environ, **stack.env(service)},
            cwd=str(stack.data_dir),
        )
    stack.write_edge_config()
    endpoint = environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or None
    ratio = float(environ.get("HOP_TRACE_SAMPLE_RATIO", "1.0"))
    manager.add_process(
        "edge",
        _shell(stack.edge_command(otlp_endpoint=endpoint, sample_ratio=ratio)),
        env=dict(environ),
    )
    return manager


def _announce(stack: Stack, text: str) -> None:
    try:
        wait_until_ready(stack, timeout=120.0)
    except NotReadyError as err:
        print(f"hop: {err} See the lines above.", flush=True)
        return
    print(text, flush=True)


def _storage(args: argparse.Namespace, stack: Stack) -> str:
    if args.db == "postgres":
        return f"PostgreSQL at {args.postgres_url} ({', '.join(POSTGRES_DATABASES.values())})"
    return f"SQLite in {stack.data_dir}"


def _shell(command: Sequence[str]) -> str:
    import shlex

    # honcho runs each process in its own session; exec so the signal reaches the service.
    return "exec " + shlex.join(command)
