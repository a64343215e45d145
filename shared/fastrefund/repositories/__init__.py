"""Data access: the only modules that speak to DynamoDB. They return and take domain models."""
