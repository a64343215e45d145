"""The fast refund service, shipped as one layer. Its folders are its layers, each importing only those below:

logic/          the use cases (refund requests, shipments, order events, notices, settings, ...)
repositories/   DynamoDB (and the rule parameter)        messaging/   SNS notices
runtime/        config, observability, HTTP and batch wiring, tokens
domain/         models, the rules engine, errors, identity: pure, no I/O
"""
