"""``python -m hop_links``: the same as the ``hop-links`` command."""

from hop_links.cli import main

main()
