"""Tooling for tests and the local stack (never shipped): reading template.yaml and acting on it."""
