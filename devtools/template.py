"""template.yaml as data, and the local resources made from its own properties.

Tests and the local stack create tables, queues and parameters from here, so that neither can
drift from what is deployed.
"""

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation's short forms (!Ref X, !GetAtt X.Y, !Sub ...) as their long forms."""


def _intrinsic(loader: yaml.SafeLoader, tag: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if tag == "Ref" else f"Fn::{tag}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if tag == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _intrinsic)


@dataclass
class Template:
    body: dict[str, Any]
    prefix: str = "fastrefund-local"
    parameters: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = TEMPLATE, **kwargs: Any) -> "Template":
        return cls(yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader), **kwargs)

    @cached_property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.body["Resources"]

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {
            logical_id: resource.get("Properties", {})
            for logical_id, resource in self.resources.items()
            if resource["Type"] == resource_type
        }

    def physical_name(self, logical_id: str) -> str:
        """Local names contain the template's logical ids."""
        return f"{self.prefix}-{logical_id}"

    def function_environment(self, logical_id: str, resolve: "Resolver") -> dict[str, str]:
        """The environment a function gets: the Globals' variables, then its own, references resolved."""
        variables = dict(self.body.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {}))
        own = self.resources[logical_id].get("Properties", {}).get("Environment", {}).get("Variables", {})
        return {name: str(resolve(value)) for name, value in (variables | own).items()}


PSEUDO_PARAMETERS = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws"}


class Resolver:
    """Resolves !Ref, !GetAtt and !Sub against the local resources (names, ARNs, URLs) as they are made."""

    def __init__(self, template: Template) -> None:
        self.template = template
        self.refs: dict[str, str] = dict(PSEUDO_PARAMETERS)
        self.attributes: dict[tuple[str, str], str] = {}
        defaults = {name: str(spec.get("Default", "")) for name, spec in template.body.get("Parameters", {}).items()}
        self.refs.update(defaults | template.parameters)

    def __call__(self, value: Any) -> Any:
        if isinstance(value, dict) and "Ref" in value:
            return self.refs[value["Ref"]]
        if isinstance(value, dict) and "Fn::GetAtt" in value:
            logical_id, attribute = value["Fn::GetAtt"]
            return self.attributes[(logical_id, attribute)]
        if isinstance(value, dict) and "Fn::Sub" in value and isinstance(value["Fn::Sub"], str):
            return re.sub(r"\$\{([^}]+)\}", lambda found: self._substitute(found.group(1)), value["Fn::Sub"])
        if isinstance(value, dict):
            return {key: self(inner) for key, inner in value.items()}
        if isinstance(value, list):
            return [self(inner) for inner in value]
        return value

    def _substitute(self, name: str) -> str:
        if "." in name and not name.startswith("AWS::"):
            logical_id, attribute = name.split(".", 1)
            return self.attributes[(logical_id, attribute)]
        return self.refs[name]
