"""template.yaml as data: the one catalogue of the service's functions, their routes and their environment.

Tests, scripts, benchmarks and the local stack all read the functions from here, so that adding a
function is a template entry and its app.py, and nothing else.
"""

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]  # devtools/catalogue/template.py: the repository
TEMPLATE = ROOT / "template.yaml"
CONSOLE_BUILT = ROOT / "console" / "dist"  # where console/build.mjs writes the built console


# libyaml's parser where PyYAML has it (ten times faster: every local Lambda environment reads the template)
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _CfnLoader(_SafeLoader):
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
        """The resources this stack has: those without a Condition, or whose Condition holds (or cannot be
        evaluated: the template check names those)."""

        def exists(resource: dict[str, Any]) -> bool:
            try:
                return "Condition" not in resource or self.condition(resource["Condition"])
            except (KeyError, ValueError, TypeError):
                return True

        return {logical_id: resource for logical_id, resource in self.body["Resources"].items() if exists(resource)}

    @cached_property
    def parameter_values(self) -> dict[str, str]:
        """Each parameter's value: given to this template, else its default."""
        defaults = {name: str(spec.get("Default", "")) for name, spec in self.body.get("Parameters", {}).items()}
        return defaults | self.parameters

    def condition(self, name: str) -> bool:
        """A named condition of the template, evaluated (Fn::Equals, Not, And, Or over parameters)."""
        return bool(self._evaluate(self.body.get("Conditions", {})[name]))

    def _evaluate(self, expression: Any) -> Any:
        if not isinstance(expression, dict):
            return expression
        [(function, arguments)] = expression.items()
        match function:
            case "Ref":
                return self.parameter_values[arguments]
            case "Condition":
                return self.condition(arguments)
            case "Fn::Equals":
                return self._evaluate(arguments[0]) == self._evaluate(arguments[1])
            case "Fn::Not":
                return not self._evaluate(arguments[0])
            case "Fn::And":
                return all(self._evaluate(argument) for argument in arguments)
            case "Fn::Or":
                return any(self._evaluate(argument) for argument in arguments)
        raise ValueError(f"{function} cannot be evaluated in a condition")

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {
            logical_id: resource.get("Properties", {})
            for logical_id, resource in self.resources.items()
            if resource["Type"] == resource_type
        }

    def physical_name(self, logical_id: str) -> str:
        """Local names contain the template's logical ids (a bucket's in lower case: S3 takes no other)."""
        name = f"{self.prefix}-{logical_id}"
        return name.lower() if self.resources.get(logical_id, {}).get("Type") == "AWS::S3::Bucket" else name

    @cached_property
    def functions(self) -> dict[str, "Function"]:
        """Every AWS::Serverless::Function, by logical id, with the template's Globals applied."""
        defaults = self.body.get("Globals", {}).get("Function", {})
        return {
            logical_id: Function(logical_id, defaults, props)
            for logical_id, props in self.of_type("AWS::Serverless::Function").items()
        }

    def function(self, name: str) -> "Function":
        """A function by its folder name (functions/<name>/), as tests and events/ name them."""
        found = [function for function in self.functions.values() if function.name == name]
        if not found:
            raise KeyError(f"no function of template.yaml has its code in functions/{name}/")
        return found[0]

    def table_outputs(self) -> tuple[str, ...]:
        """The outputs that name a table (`!Ref` of an AWS::DynamoDB::Table)."""
        tables = [{"Ref": logical_id} for logical_id in self.of_type("AWS::DynamoDB::Table")]
        return tuple(name for name, output in self.body.get("Outputs", {}).items() if output["Value"] in tables)

    @property
    def routes(self) -> list["ApiRoute"]:
        return [route for function in self.functions.values() for route in function.routes]


@dataclass(frozen=True)
class ApiRoute:
    method: str  # upper case, as API Gateway writes it in events
    path: str  # the resource, with {parameters}
    function: str  # the logical id of the function it invokes


@dataclass(frozen=True)
class Function:
    """One function of the template: its own properties over the Globals' defaults."""

    logical_id: str
    defaults: dict[str, Any]
    properties: dict[str, Any]

    def setting(self, name: str, default: Any = None) -> Any:
        return self.properties.get(name, self.defaults.get(name, default))

    @property
    def code_dir(self) -> Path:
        return ROOT / self.properties["CodeUri"]

    @property
    def name(self) -> str:
        """The folder name: functions/orders_api/ is "orders_api", the prefix of its events/ samples."""
        return self.code_dir.name

    @property
    def handler(self) -> tuple[Path, str]:
        """The handler's file and function name, from `Handler: app.lambda_handler`."""
        module, function = str(self.setting("Handler")).rsplit(".", 1)
        return self.code_dir / f"{module.replace('.', '/')}.py", function

    @property
    def events(self) -> dict[str, dict[str, Any]]:
        return self.properties.get("Events", {})

    @property
    def routes(self) -> list[ApiRoute]:
        return [
            ApiRoute(spec["Properties"]["Method"].upper(), spec["Properties"]["Path"], self.logical_id)
            for spec in self.events.values()
            if spec["Type"] == "Api"
        ]

    def environment(self, resolve: "Resolver") -> dict[str, str]:
        """The environment it gets: the Globals' variables, then its own, references resolved."""
        variables = self.defaults.get("Environment", {}).get("Variables", {})
        own = self.properties.get("Environment", {}).get("Variables", {})
        return {name: str(resolve(value)) for name, value in (variables | own).items()}


PSEUDO_PARAMETERS = {
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::StackName": "fastrefund-local",
}


class Resolver:
    """Resolves !Ref, !GetAtt, !Sub (with or without its variables), !Join and !If against the resources' local
    names, ARNs and URLs: as they are made (the local stack, the tests), or as they would be named
    (devtools/invoking/least_privilege.py)."""

    def __init__(self, template: Template) -> None:
        self.template = template
        self.refs: dict[str, str] = dict(PSEUDO_PARAMETERS)
        self.attributes: dict[tuple[str, str], str] = {}
        self.refs.update(template.parameter_values)

    def with_refs(self, refs: dict[str, Any]) -> "Resolver":
        """This resolver with more names to !Ref (a SAM policy template's parameters), resolved here first."""
        extended = Resolver(self.template)
        extended.refs = self.refs | {name: self(value) for name, value in refs.items()}
        extended.attributes = self.attributes
        return extended

    def __call__(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self(inner) for inner in value]
        if not isinstance(value, dict):
            return value
        if "Ref" in value:
            return self.refs[value["Ref"]]
        if "Fn::GetAtt" in value:
            logical_id, attribute = value["Fn::GetAtt"]
            return self.attributes[(logical_id, attribute)]
        if "Fn::Sub" in value:
            text, variables = (value["Fn::Sub"], {}) if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"]
            resolved = {name: str(self(inner)) for name, inner in variables.items()}
            return re.sub(r"\$\{([^}!]+)\}", lambda found: self._substitute(found.group(1), resolved), text)
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return separator.join(str(self(part)) for part in parts)
        if "Fn::If" in value:
            condition, then, otherwise = value["Fn::If"]
            return self(then if self.template.condition(condition) else otherwise)
        return {key: self(inner) for key, inner in value.items()}

    def _substitute(self, name: str, variables: dict[str, str]) -> str:
        if name in variables:
            return variables[name]
        if "." in name and not name.startswith("AWS::"):
            logical_id, attribute = name.split(".", 1)
            return self.attributes[(logical_id, attribute)]
        return self.refs[name]
