"""The analytics service's routers: the public stats API and the internal click intake."""
