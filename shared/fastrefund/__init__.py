"""The fast refund service, shipped as one layer. Its folders are its layers, each importing only those below:

edge/           what a handler needs around the logic: the HTTP resolver and error map, JSON bodies, batches, tokens
logic/          the use cases (refund requests, shipments, order events, notices, settings, ...) and their ports
repositories/   DynamoDB (and the subscriptions' SNS side, the rule parameter)   messaging/   SNS publishing
platform/       configuration, the AWS clients, the one Logger/Tracer/Metrics
domain/         models, the rules engine, errors, identity: pure, no I/O
"""
