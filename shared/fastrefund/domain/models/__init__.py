"""The service's vocabulary, one module per aggregate: orders, merchants, refunds, subscriptions.

These are also the stored items: a repository writes `model_dump(mode="json")` and reads
`model_validate(item)`, with every instant in the one storage form of `clock.Instant`.
"""
