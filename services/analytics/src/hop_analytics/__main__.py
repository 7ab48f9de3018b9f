"""``python -m hop_analytics``: the same as the ``hop-analytics`` command."""

from hop_analytics.cli import main

main()
