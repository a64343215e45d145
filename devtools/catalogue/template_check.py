"""What in template.yaml the local stack cannot run, named, before it acts on any of it.

The local stack runs a subset of CloudFormation and Lambda: the resource types below, the intrinsic
functions !Ref, !GetAtt and !Sub (string form), conditions over parameters (Equals, Not, And, Or: a
resource whose condition fails is not made), the event sources Api, SQS, DynamoDB and Schedule (rate
expressions), and filter patterns of exact values and exists. Anything else is refused here, naming the
resource and the feature, rather than skipped or passed to a function as the text of a dict. References to
nothing are named here too: cfn-lint 1.58 does not see them inside a SAM function's properties (its
Environment, its Policies).
"""

import re
from typing import Any

from devtools.catalogue.template import PSEUDO_PARAMETERS, Function, Template
from devtools.emulator.event_sources import filter_patterns, rate_seconds

# What the local stack makes (or, for the last set, knows it need not make) from the template.
MADE_LOCALLY = {
    "AWS::DynamoDB::Table",
    "AWS::SQS::Queue",
    "AWS::SNS::Topic",
    "AWS::SNS::Subscription",
    "AWS::SSM::Parameter",
    "AWS::SecretsManager::Secret",
    "AWS::S3::Bucket",
    "AWS::Serverless::Function",
    "AWS::Serverless::Api",
}
NOT_NEEDED_LOCALLY = {
    "AWS::Serverless::LayerVersion",
    "AWS::Logs::LogGroup",
    "AWS::CloudWatch::Alarm",
    "AWS::CloudWatch::Dashboard",
    "AWS::SQS::QueuePolicy",
    "AWS::S3::BucketPolicy",
    "AWS::IAM::Role",
    "AWS::ApiGateway::Account",
    # the local API serves the console itself, at /console/ (devtools/emulator/local_console.py)
    "AWS::CloudFront::Distribution",
    "AWS::CloudFront::OriginAccessControl",
    "AWS::CloudFront::ResponseHeadersPolicy",
}
RUN_LOCALLY_EVENTS = {"Api", "SQS", "DynamoDB", "Schedule"}
RESOLVED_INTRINSICS = {"Ref", "Fn::GetAtt", "Fn::Sub"}
# Properties the local stack never reads (IAM, deployment-only settings), where any intrinsic may stand.
_NOT_READ = {
    "Policies",
    "Layers",
    "LoggingConfig",
    "Metadata",
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "MethodSettings",
    "AccessLogSetting",
    "WarmThroughput",
    "SnapStart",
}


def problems(template: Template) -> list[str]:
    resources = template.body.get("Resources") or {}
    if not resources:
        return ["template.yaml has no Resources"]
    # AWS::NoValue stands only in properties the local stack never reads (an !If that drops one outside prod)
    names = set(resources) | set(template.body.get("Parameters", {})) | set(PSEUDO_PARAMETERS) | {"AWS::NoValue"}
    found = []
    for logical_id, resource in resources.items():
        kind = resource.get("Type") if isinstance(resource, dict) else None
        if kind not in MADE_LOCALLY | NOT_NEEDED_LOCALLY:
            found.append(f"resource {logical_id}: type {kind!r} cannot be run by the local stack")
            continue
        for target in sorted(references(resource) - names):
            found.append(f"resource {logical_id}: refers to {target!r}, which the template does not define")
        if "Condition" in resource:
            try:
                if not template.condition(resource["Condition"]):
                    continue  # not in this stack
            except (KeyError, ValueError, TypeError) as exc:
                found.append(f"resource {logical_id}: Condition {resource['Condition']!r} cannot be evaluated ({exc})")
                continue
        if kind in MADE_LOCALLY:
            found += [f"resource {logical_id}: {issue}" for issue in _unresolvable(resource.get("Properties", {}))]
    found += [f"Globals: {issue}" for issue in _unresolvable(template.body.get("Globals", {}))]
    for name, output in (template.body.get("Outputs") or {}).items():
        found += [f"output {name}: {issue}" for issue in _unresolvable(output.get("Value"))]
        for target in sorted(references(output) - names):
            found.append(f"output {name}: refers to {target!r}, which the template does not define")
    for function in template.functions.values():
        found += [f"function {function.logical_id}: {issue}" for issue in _function_problems(function)]
    return found


def _function_problems(function: Function) -> list[str]:
    path, handler = function.handler
    if not path.is_file():
        return [f"CodeUri {function.properties.get('CodeUri')!r} has no {path.name}"]
    if f"def {handler}(" not in path.read_text(encoding="utf-8"):
        return [f"{path.name} defines no {handler}"]
    issues = []
    for name, source in function.events.items():
        if source.get("Type") not in RUN_LOCALLY_EVENTS:
            issues.append(f"event {name} of type {source.get('Type')!r} cannot be run by the local stack")
            continue
        for pattern in filter_patterns(source):
            issues += [f"event {name}: filter {issue}" for issue in _unmatchable(pattern)]
        if source["Type"] == "Schedule":
            expression = source.get("Properties", {}).get("Schedule")
            if not isinstance(expression, str) or rate_seconds(expression) is None:
                issues.append(f"event {name}: schedule {expression!r} is not a rate() the local stack can run")
    return issues


def _unresolvable(value: Any, inside: str = "") -> list[str]:
    """Every intrinsic function inside `value` that the local resolver cannot evaluate."""
    if isinstance(value, list):
        return [issue for inner in value for issue in _unresolvable(inner, inside)]
    if not isinstance(value, dict):
        return []
    issues = []
    for key, inner in value.items():
        if key in _NOT_READ:
            continue
        where = f"{inside}.{key}" if inside else key
        place = inside or "a value"
        if key == "Fn::Sub" and not isinstance(inner, str):
            issues.append(f"!Sub with a variables map in {place} cannot be resolved by the local stack")
            continue
        if key.startswith("Fn::") and key not in RESOLVED_INTRINSICS:
            issues.append(f"!{key.removeprefix('Fn::')} in {place} cannot be resolved by the local stack")
            continue
        issues += _unresolvable(inner, where)
    return issues


def _unmatchable(pattern: dict[str, Any], path: str = "") -> list[str]:
    """Parts of an event filter pattern beyond exact values and `{"exists": true}`, which the local matcher
    cannot apply."""
    issues = []
    for key, expected in pattern.items():
        where = f"{path}.{key}" if path else key
        if isinstance(expected, dict):
            issues += _unmatchable(expected, where)
        elif not isinstance(expected, list) or any(
            isinstance(value, dict | list) and value != {"exists": True} for value in expected
        ):
            issues.append(
                f"{where}: {expected!r} is not a list of exact values or exists (the local stack matches only those)"
            )
    return issues


def references(value: Any) -> set[str]:
    """Every logical id or parameter that !Ref, !GetAtt or !Sub names inside `value`."""
    if isinstance(value, list):
        return set().union(*(references(inner) for inner in value)) if value else set()
    if not isinstance(value, dict):
        return set()
    if "Ref" in value and isinstance(value["Ref"], str):
        return {value["Ref"]}
    if "Fn::GetAtt" in value:
        return {value["Fn::GetAtt"][0]}
    if "Fn::Sub" in value and isinstance(value["Fn::Sub"], str):
        return {name.split(".")[0] for name in re.findall(r"\$\{([^}!]+)\}", value["Fn::Sub"])}
    return set().union(*(references(inner) for inner in value.values())) if value else set()
