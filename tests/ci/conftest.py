"""Tests of the CI set-up: the workflows and the kind cluster they deploy into.

They reuse the chart tests' helpers (the pinned helm, the values profiles).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "charts"))
