"""Invoking a handler as Lambda would, with the sample events of events/ (tests, scripts, benchmarks, the stack)."""
