"""What a Lambda container needs around the logic: configuration, observability, HTTP and batch wiring, tokens."""
