"""Every AWS client of the service: made once per container, all with one retry configuration.

Endpoints follow AWS_ENDPOINT_URL_<SERVICE> / AWS_ENDPOINT_URL when set (the local stack and the tests
point them at DynamoDB Local or moto). `reset()` forgets them all, as a new container would.
"""

import functools
from typing import Any

import boto3
from aws_lambda_powertools.utilities.parameters import SecretsProvider, SSMProvider
from botocore.config import Config
from botocore.exceptions import ClientError

# Standard mode retries throttling and transient errors with backoff; 3 attempts keep a request well
# inside the function's timeout. What still fails reaches the caller as "retry shortly".
RETRIES = Config(retries={"mode": "standard", "max_attempts": 3})
# botocore checks every request against the service's model before sending it; DynamoDB checks it again on
# arrival (a ValidationException; DynamoDB Local, which the tests run on, is AWS's own engine). On the
# refund path that first check was about 7% of each call's CPU (bench/warm_path.py): DynamoDB goes without.
UNCHECKED = RETRIES.merge(Config(parameter_validation=False))
# S3 URLs signed with Signature Version 4: the only one that fetches an object encrypted with KMS (the exports')
SIGNED_V4 = RETRIES.merge(Config(signature_version="s3v4"))
CONFIGS = {"dynamodb": UNCHECKED, "s3": SIGNED_V4}


@functools.cache
def client(service: str) -> Any:
    return boto3.client(service, config=CONFIGS.get(service, RETRIES))


@functools.cache
def ssm_parameters() -> SSMProvider:
    """Powertools' SSM provider over our client: it caches each parameter for the max_age asked."""
    return SSMProvider(boto3_client=client("ssm"))


@functools.cache
def secrets() -> SecretsProvider:
    return SecretsProvider(boto3_client=client("secretsmanager"))


def secret_text(name: str, max_age: int = 300) -> str:
    """A Secrets Manager secret's text, cached for `max_age` seconds."""
    value = secrets().get(name, max_age=max_age)
    if not isinstance(value, str):
        raise TypeError(f"secret {name} is not a text secret")
    return value


@functools.cache
def regions_of(service: str) -> frozenset[str]:
    """Every region, in every partition, where AWS runs the service: botocore's own endpoint data."""
    session = boto3.session.Session()
    return frozenset(
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions(service, partition)
    )


def error_code(exc: ClientError) -> str:
    """The service's error code of a failed call ("ConditionalCheckFailedException", "Throttling", ...)."""
    return str(exc.response.get("Error", {}).get("Code", ""))


def reset() -> None:
    for made in (client, ssm_parameters, secrets):
        made.cache_clear()
