"""``python -m hop_local run ...``: the entry point of `make run` (see docs/local.md)."""

from __future__ import annotations

import sys

from hop_local.run import main

if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] != ["run"]:
        sys.exit("usage: python -m hop_local run [--help]")
    try:
        sys.exit(main(args[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
    except (RuntimeError, OSError) as err:  # a failed migration, an unreachable server...
        sys.exit(f"hop: {err}")
