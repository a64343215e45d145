"""Command-line tools: `make invoke` (one invocation against the local stack) and `make token`."""
