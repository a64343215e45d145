"""Checks template.yaml before the local stack acts on it, naming the resource at fault."""

import re
from typing import Any

from devtools.template import PSEUDO_PARAMETERS, ROOT, Template

# What the local stack makes (or, for the last set, knows it need not make) from the template.
MADE_LOCALLY = {
    "AWS::DynamoDB::Table",
    "AWS::SQS::Queue",
    "AWS::SNS::Topic",
    "AWS::SNS::Subscription",
    "AWS::SSM::Parameter",
    "AWS::SecretsManager::Secret",
    "AWS::Serverless::Function",
    "AWS::Serverless::Api",
}
NOT_NEEDED_LOCALLY = {
    "AWS::Serverless::LayerVersion",
    "AWS::Logs::LogGroup",
    "AWS::CloudWatch::Alarm",
    "AWS::SQS::QueuePolicy",
}


def problems(template: Template) -> list[str]:
    resources = template.body.get("Resources") or {}
    if not resources:
        return ["template.yaml has no Resources"]
    names = set(resources) | set(template.body.get("Parameters", {})) | set(PSEUDO_PARAMETERS)
    found = []
    for logical_id, resource in resources.items():
        kind = resource.get("Type") if isinstance(resource, dict) else None
        if kind not in MADE_LOCALLY | NOT_NEEDED_LOCALLY:
            found.append(f"resource {logical_id}: type {kind!r} cannot be run by the local stack")
            continue
        for target in _references(resource):
            if target not in names:
                found.append(f"resource {logical_id}: refers to {target!r}, which the template does not define")
        if kind == "AWS::Serverless::Function":
            found += _function_problems(logical_id, resource.get("Properties", {}))
        if kind == "AWS::DynamoDB::Table" and not resource.get("Properties", {}).get("KeySchema"):
            found.append(f"resource {logical_id}: a table needs a KeySchema")
    for name, output in (template.body.get("Outputs") or {}).items():
        for target in _references(output):
            if target not in names:
                found.append(f"output {name}: refers to {target!r}, which the template does not define")
    return found


def _function_problems(logical_id: str, props: dict[str, Any]) -> list[str]:
    code = ROOT / str(props.get("CodeUri", "")) / "app.py"
    if not code.is_file():
        return [f"resource {logical_id}: CodeUri {props.get('CodeUri')!r} has no app.py"]
    if "def lambda_handler(" not in code.read_text(encoding="utf-8"):
        return [f"resource {logical_id}: {code.relative_to(ROOT)} defines no lambda_handler"]
    return []


def _references(value: Any) -> set[str]:
    """Every logical id or parameter that !Ref, !GetAtt or !Sub names inside `value`."""
    if isinstance(value, list):
        return set().union(*(_references(inner) for inner in value)) if value else set()
    if not isinstance(value, dict):
        return set()
    if "Ref" in value and isinstance(value["Ref"], str):
        return {value["Ref"]}
    if "Fn::GetAtt" in value:
        return {value["Fn::GetAtt"][0]}
    if "Fn::Sub" in value and isinstance(value["Fn::Sub"], str):
        return {name.split(".")[0] for name in re.findall(r"\$\{([^}!]+)\}", value["Fn::Sub"])}
    return set().union(*(_references(inner) for inner in value.values())) if value else set()
