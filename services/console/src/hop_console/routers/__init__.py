"""The console's pages, one module per resource; each router is mounted under the base path."""
