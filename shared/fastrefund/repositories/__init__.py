"""Data access: the modules that speak to DynamoDB (and, for subscriptions, to SNS's subscribe API), one job each.
They return and take domain models."""
