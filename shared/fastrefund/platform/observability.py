"""The one Logger, Tracer and Metrics of the service; every function imports these.

Service name, metrics namespace and log level come from the POWERTOOLS_* environment variables
that template.yaml sets for every function.
"""

import logging

from aws_lambda_powertools import Logger, Metrics, Tracer

# A log line names no source location: each message says what happened and to which order, and finding
# the caller walks the stack on every line (a third of a line's CPU). Python's logging documents the
# switch ("Optimization" in the Logging HOWTO).
logging._srcfile = None
logger = Logger(location=None)
# A trace holds API Gateway's segment (which names the route), the invocation's subsegment
# (capture_lambda_handler) and one subsegment per AWS call: only botocore is patched, since patching every
# library X-Ray knows would import sqlite3, http.client's instrumentation and the rest on each cold start.
# API routes carry no subsegment of their own: it repeated the route's name, for CPU on every request.
tracer = Tracer(patch_modules=("botocore",))
metrics = Metrics()
