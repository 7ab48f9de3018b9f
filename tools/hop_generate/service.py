"""`make service NAME=<name>`: a new service on the skeleton, then every generated file.

Renders tools/service_template/ (``string.Template``: ``${name}``, ``${Name}``, ``${prefix}``,
the ports) into ``services/<name>/`` and the dashboard module, with the next free local ports
and the public route ``/api/v1/<name>``, then runs ``python -m hop_generate`` so the registry's
files (chart, umbrella, skaffold.yaml, lists) include it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from string import Template
from typing import Final

from hop_local.services import ALL, ROOT, SERVICES

__all__ = ["create_service", "main"]

TEMPLATE: Final = ROOT / "tools" / "service_template"
NAME: Final = re.compile(r"^[a-z][a-z0-9]{1,30}$")
#: Names a service cannot take: the shared packages and the tools' own.
TAKEN: Final = frozenset({"contracts", "instrumentation", "hop", "service", "observability"})


def check_name(name: str) -> None:
    """Refuse a name that is no lower-case identifier or is taken, saying which names fit."""
    if not NAME.fullmatch(name):
        raise ValueError(
            f"NAME={name!r} is no service name; use 2-31 lower-case letters and digits, "
            "starting with a letter (it becomes hop_<name>, hop-<name> and /api/v1/<name>)."
        )
    if name in SERVICES or name in TAKEN or (ROOT / "services" / name).exists():
        raise ValueError(f"NAME={name!r} is taken; the services are {', '.join(SERVICES)}.")


def create_service(name: str, root: Path = ROOT) -> list[Path]:
    """Write the new service's files under ``root``; return them."""
    check_name(name)
    values = {
        "name": name,
        "Name": name.capitalize(),
        "prefix": f"/api/v1/{name}",
        "http": str(max(s.ports.http for s in ALL) + 1),
        "management": str(max(s.ports.management for s in ALL) + 1),
        "internal": str(max(s.ports.internal for s in ALL) + 1),
    }
    written = []
    for source in sorted(p for p in TEMPLATE.rglob("*") if p.is_file()):
        target = root / _target(source.relative_to(TEMPLATE), name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(Template(source.read_text()).substitute(values))
        written.append(target)
    return written


def _target(relative: Path, name: str) -> Path:
    if relative == Path("dashboard.py.in"):
        return Path("observability/hop_observability/dashboards") / f"{name}.py"
    parts = [part.replace("hop_NAME", f"hop_{name}") for part in relative.parts]
    return Path("services", name, *parts[:-1], parts[-1].removesuffix(".in"))


def _format(files: list[Path]) -> None:
    """Sort the imports and format as `make lint` checks (the order depends on the name)."""
    ruff = [sys.executable, "-m", "ruff"]
    names = [str(path) for path in files]
    subprocess.run([*ruff, "check", "--fix", "--select", "I", "-q", *names], cwd=ROOT, check=True)
    subprocess.run([*ruff, "format", "-q", *names], cwd=ROOT, check=True)


def main(argv: list[str]) -> int:
    """Create the service ``argv[0]`` and regenerate; exit 2 naming the fix on a bad name."""
    if len(argv) != 1:
        print("usage: make service NAME=<name>", file=sys.stderr)
        return 2
    try:
        written = create_service(argv[0])
    except ValueError as err:
        print(err, file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path.relative_to(ROOT)}")
    _format([path for path in written if path.suffix == ".py"])
    # Until `make install` installs it, the new package imports from its source folder.
    source = ROOT / "services" / argv[0] / "src"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([os.environ.get("PYTHONPATH", ""), str(source)]),
    }
    generate = [sys.executable, "-m", "hop_generate"]
    return subprocess.run(generate, cwd=ROOT, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
