"""The console's distribution in template.yaml: one origin for the console and the API, every API route sent to
API Gateway uncached with its Authorization header, the console's files from a bucket only it reads."""

from devtools.catalogue.template import Template

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"  # passes Authorization when caching is disabled

TEMPLATE = Template.load()
DISTRIBUTION = TEMPLATE.resources["ConsoleDistribution"]["Properties"]["DistributionConfig"]


def _behaviour_for(path: str) -> dict:
    """The behaviour CloudFront picks for a path: the first pattern that matches it, else the default."""
    for behaviour in DISTRIBUTION["CacheBehaviors"]:
        pattern = behaviour["PathPattern"]
        if path == pattern or (pattern.endswith("/*") and path.startswith(pattern[:-1])):
            return behaviour
    return DISTRIBUTION["DefaultCacheBehavior"]


def test_every_api_route_reaches_api_gateway_uncached_with_the_callers_headers():
    assert TEMPLATE.routes
    for route in TEMPLATE.routes:
        sample = route.path.replace("{", "").replace("}", "")
        behaviour = _behaviour_for(sample)
        assert behaviour["TargetOriginId"] == "api", route.path
        assert behaviour["CachePolicyId"] == CACHING_DISABLED, route.path
        assert behaviour["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST, route.path
        assert route.method in behaviour["AllowedMethods"], route
        assert not route.path.startswith("/console"), "the console's path would hide this route"


def test_the_console_is_served_from_its_bucket_with_the_security_headers_over_https():
    behaviour = _behaviour_for("/console/index.html")
    assert behaviour["TargetOriginId"] == "console"
    assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "ConsoleSecurityHeaders"}
    [origin] = [o for o in DISTRIBUTION["Origins"] if o["Id"] == "console"]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["ConsoleOriginAccess", "Id"]}


def test_only_this_distribution_reads_the_console_bucket():
    statements = TEMPLATE.resources["ConsoleBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    [allowed] = [s for s in statements if s["Effect"] == "Allow"]
    assert allowed["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allowed["Action"] == "s3:GetObject"
    assert "${ConsoleDistribution}" in allowed["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    block = TEMPLATE.resources["ConsoleBucket"]["Properties"]["PublicAccessBlockConfiguration"]
    assert all(block.values())
