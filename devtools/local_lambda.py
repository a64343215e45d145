"""The template's functions, loaded in this process as warm Lambda containers and invoked one at a time.

One lock for all of them: they share the service's Logger and clients, as one container would.
"""

import threading
from typing import Any

from devtools import harness
from devtools.template import Template


class LocalFunctions:
    def __init__(self, template: Template) -> None:
        self.template = template
        self._lock = threading.Lock()

    def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        """Run the function's handler with the event, as its warm container would."""
        with self._lock:
            return harness.invoke(self.template.functions[logical_id], event, self.template.physical_name(logical_id))
