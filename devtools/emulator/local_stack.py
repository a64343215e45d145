"""The whole service on one machine, without Docker: `make run`.

Starts AWS's DynamoDB Local and moto's server, creates every resource of template.yaml from its own
properties, serves the template's API on 127.0.0.1:3000 through its authorizer, and delivers the
template's event sources (SQS queues, DynamoDB streams) to their functions. Ctrl-C stops it all.
"""

import argparse
import json
import os
import signal
import socket
import sys
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3

from devtools.catalogue.template import ROOT, Resolver, Template
from devtools.catalogue.template_check import NOT_NEEDED_LOCALLY, problems, references
from devtools.emulator import resources
from devtools.emulator.dynamodb_local import DynamoDBLocal
from devtools.emulator.event_sources import rate_seconds
from devtools.emulator.local_api import LocalApi
from devtools.emulator.local_identity import local_secret
from devtools.emulator.local_lambda import DEFAULT_CONCURRENCY, LocalFunctions
from devtools.emulator.local_pollers import SchedulePoller, SqsPoller, StreamPoller
from devtools.emulator.moto_server import MotoServer

SQS_POLLERS = 5  # how many batches Lambda reads from a queue at once before it scales (at most the function's)
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_DEFAULT_REGION": "us-east-1"}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(prog="make run", description=__doc__.splitlines()[0])
    parser.add_argument("--api-port", type=int, default=int(env("LOCAL_API_PORT", "3000")))
    parser.add_argument("--moto-port", type=int, default=int(env("LOCAL_MOTO_PORT", "4566")))
    parser.add_argument("--dynamodb-port", type=int, default=int(env("LOCAL_DYNAMODB_PORT", "8000")))
    parser.add_argument(
        "--persist",
        type=Path,
        default=env("LOCAL_PERSIST_DIR") or None,
        help="keep DynamoDB's data in this folder (default: in memory)",
    )
    parser.add_argument("--state-dir", type=Path, default=Path(env("LOCAL_STATE_DIR", str(ROOT / ".local-stack"))))
    parser.add_argument("--template", type=Path, default=ROOT / "template.yaml")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=int(env("LOCAL_CONCURRENCY", str(DEFAULT_CONCURRENCY))),
        help="execution environments per function without ReservedConcurrentExecutions (default 4)",
    )
    parser.add_argument(
        "--schedule-seconds",
        type=float,
        default=float(env("LOCAL_SCHEDULE_SECONDS", "0")) or None,
        help="run every Schedule event this often instead of its rate (e.g. 2, to see review deadlines pass)",
    )
    return parser.parse_args(argv)


class LocalStack:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.template = Template.load(args.template)
        self.stopping = threading.Event()
        self.dynamodb = DynamoDBLocal(args.dynamodb_port, args.persist, quick_start=True)
        self.moto = MotoServer(args.moto_port)
        self.api: LocalApi | None = None
        self.functions: LocalFunctions | None = None
        self._sessions = threading.local()  # boto3 sessions are not safe across threads: one per thread

    def client(self, service: str) -> Any:
        if not hasattr(self._sessions, "session"):
            self._sessions.session = boto3.session.Session(**_lower(CREDENTIALS))
        endpoint = self.dynamodb.endpoint if service.startswith("dynamodb") else self.moto.endpoint
        return self._sessions.session.client(service, endpoint_url=endpoint)

    def start(self) -> dict[str, Any]:
        found = problems(self.template)
        if found:
            raise SystemExit("template.yaml cannot be run locally:\n  " + "\n  ".join(found))
        _check_rules_file()
        self._check_ports_free()
        if self.args.persist:
            self.args.persist.mkdir(parents=True, exist_ok=True)
        resolve = self._start_services_and_resources()
        self.functions = LocalFunctions(self.template, self._function_variables(resolve), self.args.concurrency)
        self.api = LocalApi(self.template, resolve, self.functions, self.args.api_port).start()
        self._start_pollers(self.functions, resolve)
        return self._write_outputs(resolve)

    def stop(self) -> None:
        self.stopping.set()
        for part in (self.api, self.functions, self.moto, self.dynamodb):
            try:
                if part:
                    part.stop()
            except Exception as exc:  # stop the rest all the same: DynamoDB Local is a process of its own
                print(f"stopping {type(part).__name__}: {exc!r}", file=sys.stderr)

    def _check_ports_free(self) -> None:
        """Refuse a taken port before starting anything: a DynamoDB Local already on it would otherwise
        pass for ours (it accepts connections), with its tables and its stream."""
        ports = {
            "--api-port (LOCAL_API_PORT)": self.args.api_port,
            "--moto-port (LOCAL_MOTO_PORT)": self.args.moto_port,
            "--dynamodb-port (LOCAL_DYNAMODB_PORT)": self.args.dynamodb_port,
        }
        for flag, port in ports.items():
            with socket.socket() as probe:
                # As the servers bind: a port left in TIME_WAIT by the last run is free, a listener is not
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    probe.bind(("127.0.0.1", port))
                except OSError as exc:
                    raise SystemExit(
                        f"port {port} is taken ({exc.strerror}): stop what uses it, or choose another with {flag},"
                        f' e.g. make run ARGS="{flag.split()[0]} {port + 1}"'
                    ) from None

    def _start_services_and_resources(self) -> Resolver:
        """DynamoDB Local's JVM boots while moto starts and its resources are made: the two at once."""
        self.dynamodb.launch()
        resolve = Resolver(self.template)

        def messaging() -> None:
            self.moto.start()
            resources.create_the_rest(self.template, self.client, resolve, local_secret())

        with ThreadPoolExecutor(1) as side:
            made = side.submit(messaging)
            self.dynamodb.wait_until_listening()
            # With --persist, the tables kept from an earlier run are used as they are.
            resources.create_tables(self.template, self.client("dynamodb"), resolve, keep_existing=True)
            made.result()
        return resolve

    def _start_pollers(self, functions: LocalFunctions, resolve: Resolver) -> None:
        sqs, streams = self.client("sqs"), self.client("dynamodbstreams")
        for logical_id, function in self.template.functions.items():
            for source in function.events.values():
                settings = source.get("Properties", {})
                if source["Type"] == "SQS":
                    arn = resolve(settings["Queue"])
                    url = sqs.get_queue_url(QueueName=arn.rsplit(":", 1)[-1])["QueueUrl"]
                    # Lambda reads a queue with several pollers, up to ScalingConfig.MaximumConcurrency
                    wanted = settings.get("ScalingConfig", {}).get("MaximumConcurrency", SQS_POLLERS)
                    for number in range(1, min(wanted, functions.pools[logical_id].size) + 1):
                        batch_size = settings.get("BatchSize", 10)
                        SqsPoller(self.stopping, functions, logical_id, sqs, url, arn, batch_size, number).start()
                    continue
                elif source["Type"] == "DynamoDB":
                    failure = settings.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
                    failure_url = None
                    if failure:
                        failure_url = sqs.get_queue_url(QueueName=resolve(failure).rsplit(":", 1)[-1])["QueueUrl"]
                    poller = StreamPoller(
                        self.stopping,
                        functions,
                        logical_id,
                        streams,
                        resolve(settings["Stream"]),
                        source,
                        sqs,
                        failure_url,
                    )
                elif source["Type"] == "Schedule":
                    period = self.args.schedule_seconds or rate_seconds(settings["Schedule"]) or 60
                    rule_arn = f"arn:aws:events:us-east-1:123456789012:rule/{logical_id}"
                    given = json.loads(settings["Input"]) if "Input" in settings else None  # instead of the event
                    poller = SchedulePoller(self.stopping, functions, logical_id, rule_arn, period, given)
                else:
                    continue  # Api events are served by LocalApi; the template check refuses any other type
                poller.start()

    def _write_outputs(self, resolve: Resolver) -> dict[str, Any]:
        api = f"http://127.0.0.1:{self.args.api_port}"  # no stage prefix locally
        # the console and the API on one origin, as the distribution serves them deployed (there is none locally)
        served_by_the_local_api = {"ApiUrl": api, "ConsoleUrl": f"{api}/console/", "ConsoleDistributionId": "local"}
        unmade = {name for name, resource in self.template.resources.items() if resource["Type"] in NOT_NEEDED_LOCALLY}
        outputs = {
            name: resolve(spec["Value"])
            for name, spec in self.template.body.get("Outputs", {}).items()
            if not references(spec["Value"]) & unmade  # the distribution's outputs have no local counterpart
        } | served_by_the_local_api
        state = {
            "outputs": outputs,
            "endpoints": {
                "api": outputs["ApiUrl"],
                "dynamodb": self.dynamodb.endpoint,
                "sns": self.moto.endpoint,
                "sqs": self.moto.endpoint,
                "ssm": self.moto.endpoint,
                "secretsmanager": self.moto.endpoint,
            },
        }
        self.args.state_dir.mkdir(parents=True, exist_ok=True)
        _write_whole(self.args.state_dir / "env.json", self._function_variables(resolve))
        _write_whole(self.args.state_dir / "outputs.json", state)  # last: whoever waits for it finds both
        return state

    def _function_variables(self, resolve: Resolver) -> dict[str, dict[str, str]]:
        """Each function's environment on this stack, by logical id: what its environments get, and
        .local-stack/env.json (the shape of `sam local invoke --env-vars`, read by `make invoke` too)."""
        shared = {
            **CREDENTIALS,
            "AWS_ENDPOINT_URL": self.moto.endpoint,
            "AWS_ENDPOINT_URL_DYNAMODB": self.dynamodb.endpoint,
            "AWS_ENDPOINT_URL_DYNAMODBSTREAMS": self.dynamodb.endpoint,
            "POWERTOOLS_TRACE_DISABLED": "true",
            **({"RULES_FILE": os.environ["RULES_FILE"]} if os.environ.get("RULES_FILE") else {}),
        }
        return {
            logical_id: shared | function.environment(resolve)
            for logical_id, function in self.template.functions.items()
        }


def _write_whole(path: Path, content: Any) -> None:
    """Written whole, then renamed: whoever waits for the file never reads half of it."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")
    partial.replace(path)


def _check_rules_file() -> None:
    rules_file = os.environ.get("RULES_FILE")
    if not rules_file:
        return
    from fastrefund.domain.rulebook import parse_rulebook

    try:
        parse_rulebook(Path(rules_file).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SystemExit(f"RULES_FILE={rules_file} cannot be used: {exc}") from exc


def _lower(credentials: dict[str, str]) -> dict[str, str]:
    return {
        "aws_access_key_id": credentials["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": credentials["AWS_SECRET_ACCESS_KEY"],
        "region_name": credentials["AWS_DEFAULT_REGION"],
    }


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    # Locally these say nothing new: the documented short secret, and invocations with no metric.
    warnings.filterwarnings("ignore", message="The HMAC key is")
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    started = time.monotonic()
    stack = LocalStack(args)
    for stop_signal in (signal.SIGINT, signal.SIGTERM):  # set even where the shell made SIGINT ignored
        signal.signal(stop_signal, lambda *_: stack.stopping.set())
    try:
        state = stack.start()
        endpoints = state["endpoints"]
        print(f"local stack ready in {time.monotonic() - started:.1f} s", flush=True)
        print(f"  API:       {endpoints['api']}  (tokens: make token ROLE=buyer SUB=b-1)")
        print(f"  console:   {state['outputs']['ConsoleUrl']}  (choose who you are)")
        print(f"  outputs:   {args.state_dir / 'outputs.json'}")
        print("  for the aws CLI and boto3 in another shell:")
        print(f"    export AWS_ENDPOINT_URL={endpoints['sqs']}")
        print(f"    export AWS_ENDPOINT_URL_DYNAMODB={endpoints['dynamodb']}")
        print("    export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_DEFAULT_REGION=us-east-1")
        print("  Ctrl-C stops everything.", flush=True)
        while not stack.stopping.wait(0.5):
            pass
    finally:
        stack.stop()
        print("local stack stopped", flush=True)


if __name__ == "__main__":
    sys.exit(main())
