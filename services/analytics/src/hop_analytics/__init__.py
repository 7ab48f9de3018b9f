"""hop_analytics."""
