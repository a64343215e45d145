"""The template's functions, loaded in this process as warm Lambda containers and invoked one at a time.

One lock for all of them: they share the service's Logger and clients, as one container would.
"""

import importlib.util
import sys
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from devtools.template import ROOT, Template


@dataclass
class LambdaContext:
    function_name: str
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:000000000000:function:{self.function_name}"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 10_000


class LocalFunctions:
    def __init__(self, template: Template) -> None:
        self.template = template
        self.functions = template.of_type("AWS::Serverless::Function")
        self._modules: dict[str, ModuleType] = {}
        self._lock = threading.Lock()

    def code_path(self, logical_id: str) -> Path:
        return ROOT / self.functions[logical_id]["CodeUri"] / "app.py"

    def module(self, logical_id: str) -> ModuleType:
        if logical_id not in self._modules:
            name = f"local_{logical_id}"
            spec = importlib.util.spec_from_file_location(name, self.code_path(logical_id))
            assert spec and spec.loader
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            self._modules[logical_id] = module
        return self._modules[logical_id]

    def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        """Run the function's handler (app.lambda_handler, as the template's Globals say)."""
        with self._lock:
            return self.module(logical_id).lambda_handler(event, LambdaContext(self.template.physical_name(logical_id)))
