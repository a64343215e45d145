"""The template's functions as Lambda runs them: each in execution environments of its own (worker
processes), as many at once as its concurrency allows, each invocation bounded by its Timeout.

- A function gets up to `ReservedConcurrentExecutions` environments (else the stack's default, 4); an
  invocation that finds them all busy waits for one (Lambda would scale further or throttle).
- An environment starts on the first invocation that needs it (a cold start: its handler module is
  imported then, reported as `Init Duration`, and Powertools counts a `ColdStart`); later invocations
  reuse it warm.
- An invocation past the function's Timeout is stopped (its environment killed) and raises
  FunctionTimedOut; an environment that dies mid-invocation (a crash, SIGKILL, memory past MemorySize)
  raises FunctionCrashed; either way the environment is replaced by the next invocation that needs one.
- Each invocation logs Lambda's START and REPORT lines (request id, duration, memory used, init).
"""

import multiprocessing
import os
import resource
import sys
import threading
import time
import traceback
import uuid
import warnings
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from devtools.catalogue.template import Template
from devtools.invoking import harness, least_privilege

DEFAULT_CONCURRENCY = 4
# Lambda stops an init at 10 s; here several environments may start at once on a machine's few cores
INIT_LIMIT_SECONDS = 60
_spawn = multiprocessing.get_context("spawn")  # a fresh interpreter per environment, as Lambda starts one


class FunctionError(Exception):
    """The function's invocation failed: an unhandled error (Lambda's errorType and errorMessage)."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type, self.error_message = error_type, message


class FunctionTimedOut(FunctionError):
    pass


class FunctionCrashed(FunctionError):
    pass


def _environment_main(
    template: Template, logical_id: str, variables: dict[str, str], connection: Connection, created: float
) -> None:
    """One execution environment: init (the interpreter and the handler's imports, from `created`, the
    wall-clock time it was asked for), then invocations until the pipe closes."""
    os.environ.update(variables)
    # Locally these say nothing new: the documented short secret, and invocations with no metric.
    warnings.filterwarnings("ignore", message="The HMAC key is")
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    function = template.functions[logical_id]
    least_privilege.install(template)  # a call the function's role would not allow is refused, as in AWS
    harness.load_module(function)
    connection.send((time.time() - created) * 1000)  # ready: the init's duration
    while True:
        try:
            event = connection.recv()
        except EOFError:
            return
        try:
            outcome: tuple[str, Any] = ("ok", harness.invoke(function, event, template.physical_name(logical_id)))
        except Exception as exc:  # what Lambda reports for an unhandled error
            traceback.print_exc()
            outcome = ("error", (type(exc).__name__, str(exc)))
        connection.send((outcome, _peak_memory_mb()))


def _peak_memory_mb() -> int:
    """The environment's peak resident memory. Linux's VmHWM belongs to the address space the interpreter
    was exec'd into; ru_maxrss would also count the local stack's own memory, held at the fork before it."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            peak = next(line for line in status if line.startswith("VmHWM:"))
        return int(peak.split()[1]) // 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


@dataclass
class _Environment:
    process: Any
    connection: Connection
    init_ms: float | None = None  # until its first invocation has reported it

    def stop(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.connection.close()


@dataclass
class _Pool:
    """The environments of one function: idle ones are reused, at most `size` exist at once."""

    size: int
    idle: list[_Environment] = field(default_factory=list)
    existing: int = 0
    changed: threading.Condition = field(default_factory=threading.Condition)

    def take(self) -> _Environment | None:
        """An idle environment, or None when the caller may start a new one; waits while all are busy."""
        with self.changed:
            while not self.idle and self.existing >= self.size:
                self.changed.wait()
            if self.idle:
                return self.idle.pop()
            self.existing += 1
            return None

    def give_back(self, environment: _Environment) -> None:
        with self.changed:
            self.idle.append(environment)
            self.changed.notify()

    def lose(self) -> None:
        """An environment died or was stopped: room for a new one."""
        with self.changed:
            self.existing -= 1
            self.changed.notify()


class LocalFunctions:
    def __init__(
        self, template: Template, variables: dict[str, dict[str, str]], default_concurrency: int = DEFAULT_CONCURRENCY
    ) -> None:
        """`variables`: each function's environment, by logical id."""
        self.template, self.variables = template, variables
        self.pools = {
            logical_id: _Pool(int(function.properties.get("ReservedConcurrentExecutions", default_concurrency)))
            for logical_id, function in template.functions.items()
        }

    def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        """Run one invocation in an environment of the function; its answer, or a FunctionError."""
        function, pool = self.template.functions[logical_id], self.pools[logical_id]
        environment = pool.take() or self._start(logical_id, pool)
        request_id, timeout = str(uuid.uuid4()), float(function.setting("Timeout", 3))
        print(
            f"START RequestId: {request_id} Function: {logical_id} Environment: {environment.process.pid}",
            file=sys.stderr,
            flush=True,
        )
        started = time.perf_counter()
        try:
            environment.connection.send(event)
            if not environment.connection.poll(timeout):
                raise FunctionTimedOut("Task.TimedOut", f"Task timed out after {timeout:.2f} seconds")
            outcome, used_mb = environment.connection.recv()
        except FunctionTimedOut:
            self._end(environment, pool, request_id, started, status="timeout")
            raise
        except (EOFError, OSError) as exc:  # the environment died under the invocation
            self._end(environment, pool, request_id, started, status="error")
            raise FunctionCrashed("Runtime.ExitError", "the execution environment exited") from exc
        duration = (time.perf_counter() - started) * 1000
        memory = int(function.setting("MemorySize", 128))
        init = f" Init Duration: {environment.init_ms:.2f} ms" if environment.init_ms is not None else ""
        environment.init_ms = None
        print(
            f"REPORT RequestId: {request_id} Function: {logical_id} Duration: {duration:.2f} ms"
            f" Memory Size: {memory} MB Max Memory Used: {used_mb} MB{init}",
            file=sys.stderr,
            flush=True,
        )
        if used_mb > memory:  # Lambda stops an invocation whose environment outgrows its MemorySize
            environment.stop()
            pool.lose()
            raise FunctionCrashed("Runtime.OutOfMemory", f"used {used_mb} MB of {memory} MB")
        pool.give_back(environment)
        kind, value = outcome
        if kind == "error":
            raise FunctionError(*value)
        return value

    def _start(self, logical_id: str, pool: _Pool) -> _Environment:
        """A new environment, initialised (the Timeout counts from the invocation, as on Lambda)."""
        ours, theirs = _spawn.Pipe()
        process = _spawn.Process(
            target=_environment_main,
            args=(self.template, logical_id, self.variables[logical_id], theirs, time.time()),
            name=f"lambda-{logical_id}",
            daemon=True,
        )
        environment = _Environment(process, ours)
        try:
            process.start()
            theirs.close()
            if not ours.poll(INIT_LIMIT_SECONDS):
                raise FunctionCrashed("Runtime.InitTimeout", f"init took over {INIT_LIMIT_SECONDS} seconds")
            environment.init_ms = ours.recv()
        except (EOFError, OSError) as exc:  # it died during init (an import failed: its traceback is above)
            environment.stop()
            pool.lose()
            raise FunctionCrashed("Runtime.ExitError", "the execution environment exited during init") from exc
        except FunctionCrashed:
            environment.stop()
            pool.lose()
            raise
        return environment

    def _end(self, environment: _Environment, pool: _Pool, request_id: str, started: float, status: str) -> None:
        """Stop an environment whose invocation did not end well, and say so as Lambda does."""
        duration = (time.perf_counter() - started) * 1000
        environment.stop()
        pool.lose()
        print(
            f"REPORT RequestId: {request_id} Duration: {duration:.2f} ms Status: {status}", file=sys.stderr, flush=True
        )

    def stop(self) -> None:
        for pool in self.pools.values():
            with pool.changed:
                for environment in pool.idle:
                    environment.stop()
                pool.idle.clear()
