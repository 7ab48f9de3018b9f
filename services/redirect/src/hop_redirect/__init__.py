"""hop_redirect."""
