"""Invoking a function of template.yaml as Lambda would: its handler loaded once per process (a warm
container), called with an event and a context made from the template's own settings.

The tests, the scripts, the benchmarks and the local stack all invoke functions through here.
"""

import importlib.util
import sys
import time
import uuid
from dataclasses import dataclass, field
from functools import cache
from types import ModuleType
from typing import Any

from devtools.catalogue.template import Function, Template
from devtools.invoking import least_privilege

ACCOUNT = "123456789012"
REGION = "us-east-1"


@dataclass
class LambdaContext:
    """The attributes of Lambda's context object that the service and Powertools read."""

    function_name: str
    memory_limit_in_mb: int
    timeout_seconds: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: float = field(default_factory=time.monotonic)

    @classmethod
    def of(cls, function: Function, physical_name: str) -> "LambdaContext":
        return cls(physical_name, int(function.setting("MemorySize", 128)), int(function.setting("Timeout", 3)))

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_seconds - (time.monotonic() - self.started)) * 1000))


@cache
def catalogue() -> Template:
    """template.yaml, read once per process."""
    return Template.load()


def load_module(function: Function) -> ModuleType:
    """The function's handler file as a module of its own (every handler file is called app.py)."""
    name = f"lambda_function_{function.name}"
    if name not in sys.modules:
        path, _ = function.handler
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec and spec.loader, path
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]  # a handler that failed to import is not a warm container
            raise
    return sys.modules[name]


def invoke(function: Function, event: dict[str, Any], physical_name: str | None = None) -> Any:
    """Run the function's handler with the event, as one invocation of a warm container."""
    _, handler_name = function.handler
    handler = getattr(load_module(function), handler_name)
    with least_privilege.acting_as(function):  # its calls checked against its policies, where a check is installed
        return handler(event, LambdaContext.of(function, physical_name or function.logical_id))


def invoke_named(name: str, event: dict[str, Any]) -> Any:
    """Invoke the function whose code is functions/<name>/ (the name events/ samples start with)."""
    return invoke(catalogue().function(name), event)
