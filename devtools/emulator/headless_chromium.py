"""Debian's Chromium, headless, as the browser tier and the console's benchmark drive it (Playwright's own
browser download cannot reach its host here: the driver is pointed at the installed binary)."""

import os
from typing import Any

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# This machine's network is closed: Chromium's own background calls would only be refused
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
