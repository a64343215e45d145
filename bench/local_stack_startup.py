"""How long `make run` (already installed) takes until the API answers. Goal: under 5 seconds.

Run by `make bench`, or alone: .venv/bin/python -m bench.local_stack_startup
"""

import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from devtools.catalogue.template import ROOT
from devtools.emulator.dynamodb_local import free_port
from devtools.emulator.local_stack_process import wait_until_answering

RUNS = 3


def one_start() -> float:
    with tempfile.TemporaryDirectory() as state_dir:
        ports = f"--api-port {free_port()} --moto-port {free_port()} --dynamodb-port {free_port()}"
        started = time.monotonic()
        process = subprocess.Popen(
            ["make", "-s", "run", f"ARGS={ports} --state-dir {state_dir}"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # a group of its own, as in a terminal
        )
        wait_until_answering(process, Path(state_dir))
        elapsed = time.monotonic() - started
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C does: the whole group gets it
        process.communicate(timeout=30)
        return elapsed


def main() -> None:
    times = [one_start() for _ in range(RUNS)]
    print(f"make run until the API answers, {RUNS} starts: " + ", ".join(f"{t:.1f} s" for t in times))
    print(f"best {min(times):.1f} s, worst {max(times):.1f} s (goal: under 5 s)")


if __name__ == "__main__":
    main()
