"""Write every file the registry decides (`make generate`); print the ones that changed."""

from __future__ import annotations

import sys

from hop_generate import write


def main() -> int:
    """Write the generated files and name the changed ones."""
    for path in write():
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
