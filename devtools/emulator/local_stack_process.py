"""The local stack as a newcomer runs it, from another process: started on free ports, waited for until
the API answers, stopped with Ctrl-C (SIGINT). Used by the end-to-end tests and the start-up benchmark."""

import json
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from devtools.catalogue.template import ROOT
from devtools.emulator.dynamodb_local import free_port


@dataclass
class RunningStack:
    process: subprocess.Popen[str]
    state: dict
    api: str
    _output: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # The stack logs every invocation: its output is read as it comes, or a full pipe would block it.
        self._reader = threading.Thread(target=self._output.extend, args=(self.process.stdout,), daemon=True)
        self._reader.start()

    def output(self) -> str:
        """What the stack has printed so far."""
        return "".join(self._output)

    def stop(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()  # the last resort: DynamoDB Local's JVM may outlive it
            self.process.wait()
        self._reader.join(timeout=30)
        return self.process.returncode, "".join(self._output)


def start_stack(state_dir: Path, *extra: str) -> subprocess.Popen[str]:
    ports = ["--api-port", str(free_port()), "--moto-port", str(free_port()), "--dynamodb-port", str(free_port())]
    return subprocess.Popen(
        [sys.executable, "-m", "devtools", *ports, "--state-dir", str(state_dir), *extra],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_until_answering(process: subprocess.Popen[str], state_dir: Path, timeout: float = 60) -> RunningStack:
    deadline = time.monotonic() + timeout
    outputs = state_dir / "outputs.json"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the local stack exited: {process.stdout.read()}")
        if outputs.exists():
            state = json.loads(outputs.read_text())
            api = state["outputs"]["ApiUrl"]
            try:
                urllib.request.urlopen(f"{api}/orders/o-0/fast-refund-eligibility", timeout=2)
            except urllib.error.HTTPError:
                return RunningStack(process, state, api)  # a 401: the API answers
            except OSError:
                pass
        time.sleep(0.1)
    process.kill()
    raise TimeoutError("the local stack did not answer")
