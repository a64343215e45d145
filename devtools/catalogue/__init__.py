"""template.yaml read once, as the one catalogue of functions, routes, tables and environment, and checked."""
