"""What every layer above the domain stands on: configuration, the AWS clients, observability."""
