"""The pure layer: the service's vocabulary, its rules and its errors. No I/O, no AWS, no configuration."""
