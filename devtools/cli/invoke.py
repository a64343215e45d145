"""One invocation of a function against the running local stack, without Docker: what
`sam local invoke <Function> -e <event> --env-vars .local-stack/env.json` would run.

    make invoke FUNCTION=reconciler EVENT=events/reconciler_scheduled.json

FUNCTION is the function's folder under functions/ or its logical id; the answer is printed as JSON,
the function's logs go to stderr.
"""

import argparse
import contextlib
import json
import os
import sys
from pathlib import Path

from botocore.exceptions import EndpointConnectionError

from devtools.catalogue.template import ROOT, Function, Template
from devtools.invoking.harness import invoke


def find(template: Template, name: str) -> Function:
    if name in template.functions:
        return template.functions[name]
    try:
        return template.function(name)
    except KeyError:
        known = ", ".join(sorted(function.name for function in template.functions.values()))
        raise SystemExit(f"FUNCTION={name} is not a function of template.yaml; one of: {known}") from None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="make invoke", description=__doc__.splitlines()[0])
    parser.add_argument("--function", required=True)
    parser.add_argument("--event", required=True, type=Path)
    parser.add_argument(
        "--state-dir", type=Path, default=Path(os.environ.get("LOCAL_STATE_DIR", ROOT / ".local-stack"))
    )
    args = parser.parse_args(argv)

    function = find(Template.load(), args.function)
    env_file = args.state_dir / "env.json"
    if not env_file.exists():
        raise SystemExit(f"no {env_file}: start the local stack first (make run), in another shell")
    if not args.event.is_file():
        raise SystemExit(f"EVENT={args.event} is not a file (the samples are in events/)")
    os.environ.update(json.loads(env_file.read_text(encoding="utf-8"))[function.logical_id])
    try:
        # The function's logs and metrics (Powertools writes them to stdout) go to stderr: stdout is the answer.
        with contextlib.redirect_stdout(sys.stderr):
            answer = invoke(function, json.loads(args.event.read_text(encoding="utf-8")))
    except EndpointConnectionError as exc:
        raise SystemExit(f"the local stack does not answer ({exc}): is `make run` still running?") from exc
    print(json.dumps(answer, indent=2, default=str))


if __name__ == "__main__":
    sys.exit(main())
