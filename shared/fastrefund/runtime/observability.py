"""The one Logger, Tracer and Metrics of the service; every function imports these.

Service name, metrics namespace and log level come from the POWERTOOLS_* environment variables
that template.yaml sets for every function.
"""

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics()
