"""The handlers' edge: the HTTP resolver and its one error map, JSON bodies, batch processing, tokens."""
