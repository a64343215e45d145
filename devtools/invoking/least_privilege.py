"""Least privilege, proven: every AWS call a function makes while it is invoked (harness.invoke) is checked
against that function's policies in template.yaml, as IAM would check it deployed. A call its role would not
allow is refused with AccessDenied, as in AWS, and recorded, so that the test that made it fails (tests/conftest.py)
and the local stack's walkthrough meets it.

The policies are the function's `Policies`: inline statements, and SAM's policy templates expanded from the
definitions aws-sam-translator ships (the same that `sam build` expands). Resources are resolved to the ARNs the
local resources stand for (the template's physical names, in the local account and region), and each call is
mapped to the IAM actions and resources AWS authorizes it by: a transaction's items each by their own action, a
query of an index by the index's ARN, a batch by each table it names.
"""

import fnmatch
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import boto3
from botocore import handlers
from botocore.exceptions import ClientError

from devtools.catalogue.template import Function, Resolver, Template

ACCOUNT, REGION = "123456789012", "us-east-1"


@dataclass(frozen=True)
class Grant:
    """One statement of a policy, resolved: its effect, actions and resources (IAM wildcards kept)."""

    allow: bool
    actions: tuple[str, ...]
    resources: tuple[str, ...]

    def covers(self, action: str, resource: str) -> bool:
        return any(fnmatch.fnmatchcase(action.lower(), pattern.lower()) for pattern in self.actions) and any(
            fnmatch.fnmatchcase(resource, pattern) for pattern in self.resources
        )


def allowed(grants: list[Grant], action: str, resource: str) -> bool:
    """IAM's evaluation within one identity policy set: allowed by a statement, and denied by none."""
    covering = [grant for grant in grants if grant.covers(action, resource)]
    return any(grant.allow for grant in covering) and not any(not grant.allow for grant in covering)


# ---------------------------------------------------------------- the template's side


@cache
def _sam_policy_templates() -> dict[str, Any]:
    spec = find_spec("samtranslator")
    assert spec and spec.submodule_search_locations, "aws-sam-translator is a dev dependency (requirements-dev)"
    folder = Path(next(iter(spec.submodule_search_locations)))
    templates: dict[str, Any] = json.loads((folder / "policy_templates_data" / "policy_templates.json").read_text())
    return templates["Templates"]


# What each kind of resource's ARN is, from its physical name
_ARNS = {
    "AWS::DynamoDB::Table": ("dynamodb", "table/{}"),
    "AWS::SQS::Queue": ("sqs", "{}"),
    "AWS::SNS::Topic": ("sns", "{}"),
    "AWS::SSM::Parameter": ("ssm", "parameter/{}"),
    "AWS::SecretsManager::Secret": ("secretsmanager", "secret:{}"),
    "AWS::S3::Bucket": ("s3", "{}"),
}


def named_resources(template: Template) -> Resolver:
    """The template's Resolver over what its resources would be named (the template's physical names, in the local
    account and region), without making them: the names and ARNs a policy refers to."""
    resolve = Resolver(template)
    for logical_id, resource in template.resources.items():
        kind, physical = resource["Type"], template.physical_name(logical_id)
        resolve.refs[logical_id] = physical
        if kind in _ARNS:
            service, pattern = _ARNS[kind]
            resolve.attributes[(logical_id, "Arn")] = arn(service, pattern.format(physical))
        if kind in ("AWS::SNS::Topic", "AWS::SecretsManager::Secret"):  # their !Ref is the ARN
            resolve.refs[logical_id] = resolve.attributes[(logical_id, "Arn")]
        if kind == "AWS::SQS::Queue":  # its !Ref is the URL
            resolve.refs[logical_id] = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{physical}"
            resolve.attributes[(logical_id, "QueueName")] = physical
        if kind == "AWS::SNS::Topic":
            resolve.attributes[(logical_id, "TopicName")] = physical
        if kind == "AWS::DynamoDB::Table":
            resolve.attributes[(logical_id, "StreamArn")] = f"{resolve.attributes[(logical_id, 'Arn')]}/stream/*"
    return resolve


def arn(service: str, resource: str) -> str:
    if service == "s3":
        return f"arn:aws:s3:::{resource}"
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}"


def grants_of(template: Template, function: Function) -> list[Grant]:
    """The function's policies, SAM policy templates expanded and every resource resolved."""
    resolve, statements = named_resources(template), []
    for policy in function.properties.get("Policies", []):
        if isinstance(policy, str):
            raise ValueError(f"{function.logical_id}: managed policy {policy} cannot be checked here")
        for name, arguments in policy.items():
            if name == "Statement":
                statements += [(statement, resolve) for statement in arguments]
            else:
                definition = _sam_policy_templates()[name]["Definition"]
                with_parameters = resolve.with_refs(arguments)
                statements += [(statement, with_parameters) for statement in definition["Statement"]]
    grants = []
    for statement, resolving in statements:
        actions, resources = statement["Action"], resolving(statement["Resource"])
        grants.append(
            Grant(
                allow=statement.get("Effect", "Allow") == "Allow",
                actions=tuple([actions] if isinstance(actions, str) else actions),
                resources=tuple(resource for resource in _flat(resources) if resource),
            )
        )
    return grants


def _flat(value: Any) -> Iterator[str]:
    if isinstance(value, list):
        for inner in value:
            yield from _flat(inner)
    else:
        yield str(value)


# ---------------------------------------------------------------- the call's side

_BATCHED = {"SendMessageBatch": "SendMessage", "DeleteMessageBatch": "DeleteMessage",
            "ChangeMessageVisibilityBatch": "ChangeMessageVisibility", "PublishBatch": "Publish"}  # fmt: skip
_TRANSACT_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


def authorizations(service: str, operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    """The (IAM action, resource ARN) pairs AWS authorizes a call by."""
    action = f"{service}:{_BATCHED.get(operation, operation)}"
    if service == "dynamodb":
        return _dynamodb(operation, params)
    if service == "sqs" and "QueueUrl" in params:
        return [(action, arn("sqs", params["QueueUrl"].rstrip("/").rsplit("/", 1)[1]))]
    if service == "sns":
        target = params.get("TopicArn") or params.get("SubscriptionArn") or params.get("ResourceArn")
        if target:
            return [(action, arn("sns", ":".join(target.split(":")[5:])))]
    if service == "ssm":
        names = params.get("Names") or [params.get("Name") or params.get("Path")]
        return [(action, arn("ssm", f"parameter/{str(name).lstrip('/')}")) for name in names]
    if service == "secretsmanager":
        secret = str(params["SecretId"])
        if secret.startswith("arn:"):  # the ARN's name, without the six characters AWS appends
            secret = secret.split(":secret:", 1)[1].rsplit("-", 1)[0]
        return [(action, arn("secretsmanager", f"secret:{secret}"))]
    if service == "s3" and "Bucket" in params:
        return [(action, arn("s3", f"{params['Bucket']}/{params['Key']}" if "Key" in params else params["Bucket"]))]
    raise ValueError(f"{service}:{operation}: no mapping to IAM here; add one to least_privilege.authorizations")


def _dynamodb(operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    def table(name: str, index: str | None = None) -> str:
        return arn("dynamodb", f"table/{name}" + (f"/index/{index}" if index else ""))

    if operation == "TransactWriteItems":
        return [
            (f"dynamodb:{_TRANSACT_ACTIONS[kind]}", table(part["TableName"]))
            for item in params["TransactItems"]
            for kind, part in item.items()
        ]
    if operation == "TransactGetItems":
        return [("dynamodb:GetItem", table(item["Get"]["TableName"])) for item in params["TransactItems"]]
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [(f"dynamodb:{operation}", table(name)) for name in params["RequestItems"]]
    return [(f"dynamodb:{operation}", table(params["TableName"], params.get("IndexName")))]


# ---------------------------------------------------------------- the check, around each invocation


@dataclass
class Checker:
    template: Template
    verified: set[tuple[str, str, str]] = field(default_factory=set)  # (function, action, resource) allowed
    refused: list[tuple[str, str, str]] = field(default_factory=list)
    _acting: threading.local = field(default_factory=threading.local)
    _active: list[Function] = field(default_factory=list)  # invocations under way in this process
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _grants: dict[str, list[Grant]] = field(default_factory=dict)

    @contextmanager
    def acting_as(self, function: Function) -> Iterator[None]:
        previous = getattr(self._acting, "function", None)
        self._acting.function = function
        with self._lock:
            self._active.append(function)
        try:
            yield
        finally:
            self._acting.function = previous
            with self._lock:
                self._active.remove(function)

    def callers(self) -> list[Function]:
        """Who makes a call on this thread: the invocation on it, or, on a thread a handler started (its pool),
        the invocations under way in the process (any of them, when several: none is refused wrongly)."""
        own = getattr(self._acting, "function", None)
        if own is not None:
            return [own]
        with self._lock:
            return list({function.logical_id: function for function in self._active}.values())

    def check(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        callers = self.callers()
        if not callers:
            return  # the test's own set-up or reading, not a function's
        service = model.service_model.signing_name
        for action, resource in authorizations(service, model.name, params):
            allowed_for = [f for f in callers if allowed(self.grants(f.logical_id), action, resource)]
            if allowed_for:
                self.verified.add((allowed_for[0].logical_id, action, resource))
                continue
            who = callers[0].logical_id
            self.refused.append((who, action, resource))
            message = f"{who} is not authorized to perform {action} on {resource} (template.yaml: its Policies)"
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": message}}, model.name)

    def grants(self, logical_id: str) -> list[Grant]:
        if logical_id not in self._grants:
            self._grants[logical_id] = grants_of(self.template, self.template.functions[logical_id])
        return self._grants[logical_id]


_checker: Checker | None = None


def install(template: Template) -> Checker:
    """Check every AWS call made in this process from now on (botocore's handlers, for every client made after)."""
    global _checker
    if _checker is None:
        _checker = Checker(template)
        handlers.BUILTIN_HANDLERS.append(("before-parameter-build.*.*", _check))
        if boto3.DEFAULT_SESSION is not None:
            boto3.DEFAULT_SESSION.events.register("before-parameter-build.*.*", _check)
    return _checker


def _check(model: Any, params: dict[str, Any], **kwargs: Any) -> None:
    if _checker is not None:
        _checker.check(model, params, **kwargs)


@contextmanager
def acting_as(function: Function) -> Iterator[None]:
    """The calls made in this block are `function`'s (a no-op while no check is installed)."""
    if _checker is None:
        yield
        return
    with _checker.acting_as(function):
        yield
