"""Watching every AWS call the handlers make, whatever client makes it."""

from collections.abc import Callable
from typing import Any

import botocore.session


def on_every_new_client(event_name: str, handler: Callable[..., None]) -> None:
    """Register `handler` for `event_name` on each botocore client made from now on, whatever session makes
    it (the functions' cached clients, Powertools' providers)."""
    create_client = botocore.session.Session.create_client

    def hooked(self: botocore.session.Session, *args: Any, **kwargs: Any) -> Any:
        client = create_client(self, *args, **kwargs)
        client.meta.events.register(event_name, handler)
        return client

    botocore.session.Session.create_client = hooked
