"""make deploy's last step under moto: the built console in the stack's bucket (hashed assets cached for ever,
the page and its config revalidated), config.json from the stack's sign-in output, the page invalidated."""

import json
from typing import Any

import boto3
from moto import mock_aws

from scripts.publish_console import publish

SIGN_IN = {"issuer": "https://id.example.com", "clientId": "abc123", "roleClaim": "custom:role", "merchantClaim": "m"}


def _built(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "main-AB12.js").write_text("console.log(1)")
    (tmp_path / "assets" / "style-CD34.css").write_text("body{}")
    (tmp_path / "index.html").write_text('<script src="assets/main-AB12.js"></script>')
    return tmp_path


def _stack(sign_in: dict[str, str]) -> tuple[dict[str, str], Any, Any]:
    """A bucket and a distribution, as the stack's outputs name them."""
    s3, cloudfront = boto3.client("s3", region_name="us-east-1"), boto3.client("cloudfront", region_name="us-east-1")
    s3.create_bucket(Bucket="console-bucket")
    origin = {"Id": "o", "DomainName": "b.s3.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}
    config = {
        "CallerReference": "t",
        "Comment": "",
        "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [origin]},
        "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "redirect-to-https", "MinTTL": 0},
    }
    distribution = cloudfront.create_distribution(DistributionConfig=config)["Distribution"]["Id"]
    outputs = {
        "ConsoleBucketName": "console-bucket",
        "ConsoleDistributionId": distribution,
        "ConsoleSignIn": json.dumps(sign_in),
    }
    return outputs, s3, cloudfront


def _config(s3: Any) -> dict[str, Any]:
    return json.loads(s3.get_object(Bucket="console-bucket", Key="console/config.json")["Body"].read())


@mock_aws
def test_the_console_and_its_sign_in_are_uploaded_and_the_page_invalidated(tmp_path):
    outputs, s3, cloudfront = _stack(SIGN_IN)

    written = publish(outputs, s3, cloudfront, _built(tmp_path))

    assert written[-2:] == ["console/index.html", "console/config.json"]  # the page after the assets it names
    asset = s3.get_object(Bucket="console-bucket", Key="console/assets/main-AB12.js")
    assert (asset["ContentType"], asset["CacheControl"]) == ("text/javascript", "public, max-age=31536000, immutable")
    page = s3.get_object(Bucket="console-bucket", Key="console/index.html")
    assert (page["ContentType"], page["CacheControl"]) == ("text/html", "no-cache")
    assert _config(s3) == {"signIn": "oidc", **SIGN_IN}
    distribution = outputs["ConsoleDistributionId"]
    [invalidation] = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"]["Items"]
    batch = cloudfront.get_invalidation(DistributionId=distribution, Id=invalidation["Id"])["Invalidation"]
    assert sorted(batch["InvalidationBatch"]["Paths"]["Items"]) == ["/console/config.json", "/console/index.html"]


@mock_aws
def test_a_stack_without_a_provider_publishes_a_console_that_says_so(tmp_path):
    outputs, s3, cloudfront = _stack(SIGN_IN | {"issuer": "", "clientId": ""})
    publish(outputs, s3, cloudfront, _built(tmp_path))
    assert _config(s3) == {"signIn": "none"}
