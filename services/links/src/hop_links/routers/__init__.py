"""The links service's routers: the public API and the internal resolve API."""
