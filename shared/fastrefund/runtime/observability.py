"""The one Logger, Tracer and Metrics of the service; every function imports these.

Service name, metrics namespace and log level come from the POWERTOOLS_* environment variables
that template.yaml sets for every function.
"""

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
# Only botocore is traced (every AWS call a subsegment): patching every library X-Ray knows would import
# sqlite3, http.client's instrumentation and the rest on each cold start, for calls the service never makes.
tracer = Tracer(patch_modules=("botocore",))
metrics = Metrics()
