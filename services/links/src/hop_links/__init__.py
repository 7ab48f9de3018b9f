"""hop_links."""
