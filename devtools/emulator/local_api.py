"""The template's REST API on a local port: its routes, its authorizer, its gateway responses.

Requests become API Gateway proxy events (payload 1.0, the shape of events/*.json); the default
authorizer runs first, as API Gateway runs it (TOKEN type, Authorization header), and the function
the template routes to answers. Paths have no stage prefix.
"""

import base64
import json
import re
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from devtools.catalogue.template import ApiRoute, Resolver, Template
from devtools.emulator import local_console
from devtools.emulator.local_lambda import FunctionError, FunctionTimedOut, LocalFunctions

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's own limit


@dataclass(frozen=True)
class Route:
    method: str
    resource: str
    pattern: re.Pattern[str]
    function: str

    @classmethod
    def of(cls, route: ApiRoute) -> "Route":
        regex = re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(route.path))
        return cls(route.method, route.path, re.compile(f"^{regex}$"), route.function)


class LocalApi:
    def __init__(self, template: Template, resolve: Resolver, functions: LocalFunctions, port: int) -> None:
        self.routes = [Route.of(route) for route in template.routes]
        self.functions = functions
        self.port = port
        [api] = template.of_type("AWS::Serverless::Api").values()
        self.stage = str(resolve(api.get("StageName", "local")))
        auth = api.get("Auth", {})
        default = auth.get("DefaultAuthorizer")
        authorizer = auth["Authorizers"][default] if default else {}
        self.authorizer = authorizer["FunctionArn"]["Fn::GetAtt"][0] if default else None
        validation = authorizer.get("Identity", {}).get("ValidationExpression")
        self.token_shape = re.compile(validation) if validation else None
        self.gateway_responses = api.get("GatewayResponses", {})
        self.console = local_console.LocalConsole(local_console.security_headers(template))
        self.server: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------------ one request
    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict, bytes]:
        url = urlsplit(raw_path)
        if local_console.serves(url.path):  # deployed, CloudFront serves the console beside the API
            return self.console.handle(method, url.path, body)
        if len(body) > MAX_BODY_BYTES:
            return self._gateway_response("REQUEST_TOO_LARGE", HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "Request too large")
        route, params = self._match(method, url.path)
        if route is None:
            # What a REST API answers for a route it does not have (the template maps it to a 404)
            return self._gateway_response(
                "MISSING_AUTHENTICATION_TOKEN", HTTPStatus.FORBIDDEN, "Missing Authentication Token"
            )
        identity: dict[str, Any] = {}
        if self.authorizer:
            denied, identity = self._authorize(method, url.path, headers)
            if denied:
                return denied
        event = self._proxy_event(method, route, url.path, params, url.query, headers, body, identity)
        result = self.functions.invoke(route.function, event)
        answer_headers = {name: values[-1] for name, values in (result.get("multiValueHeaders") or {}).items()}
        answer_headers |= result.get("headers") or {}
        return int(result["statusCode"]), answer_headers, (result.get("body") or "").encode()

    def _match(self, method: str, path: str) -> tuple[Route | None, dict[str, str]]:
        for route in self.routes:
            found = route.pattern.match(path)
            if found and route.method == method:
                return route, found.groupdict()
        return None, {}

    def _authorize(self, method: str, path: str, headers: dict[str, str]) -> tuple[Any, dict[str, Any]]:
        token = next((value for name, value in headers.items() if name.lower() == "authorization"), None)
        if not token or (self.token_shape and not self.token_shape.search(token)):
            # no token, or not shaped as the authorizer's ValidationExpression says: the authorizer is not invoked
            return self._gateway_response("UNAUTHORIZED", HTTPStatus.UNAUTHORIZED, "Unauthorized"), {}
        event = {
            "type": "TOKEN",
            "authorizationToken": token,
            "methodArn": f"arn:aws:execute-api:us-east-1:000000000000:local/{self.stage}/{method}{path}",
        }
        try:
            policy = self.functions.invoke(self.authorizer, event)
        except FunctionError as refused:  # the authorizer says "Unauthorized" by raising, as on AWS
            if refused.error_message != "Unauthorized":
                raise
            return self._gateway_response("UNAUTHORIZED", HTTPStatus.UNAUTHORIZED, "Unauthorized"), {}
        if any(statement["Effect"] != "Allow" for statement in policy["policyDocument"]["Statement"]):
            return self._gateway_response("ACCESS_DENIED", HTTPStatus.FORBIDDEN, "Forbidden"), {}
        return None, {"principalId": policy["principalId"], **policy.get("context", {}), "integrationLatency": 0}

    def _gateway_response(self, kind: str, status: int, message: str) -> tuple[int, dict, bytes]:
        """The template's gateway response of that type, else its DEFAULT_4XX or DEFAULT_5XX, as API Gateway."""
        default = "DEFAULT_5XX" if status >= 500 else "DEFAULT_4XX"
        spec = self.gateway_responses.get(kind) or self.gateway_responses.get(default, {})
        body = spec.get("ResponseTemplates", {}).get("application/json", json.dumps({"message": message}))
        body = body.replace("$context.error.messageString", message.replace('"', "'"))
        return int(spec.get("StatusCode", status)), {"Content-Type": "application/json"}, body.encode()

    def _proxy_event(self, method, route, path, params, query, headers, body, identity) -> dict[str, Any]:
        pairs = parse_qsl(query, keep_blank_values=True)
        multi_query: dict[str, list[str]] = {}
        for name, value in pairs:
            multi_query.setdefault(name, []).append(value)
        request_id = str(uuid.uuid4())
        # A body that is not UTF-8 text reaches the function base64-encoded, as binary does on AWS
        text, encoded = _as_text(body)
        return {
            "resource": route.resource,
            "path": path,
            "httpMethod": method,
            "headers": headers,
            "multiValueHeaders": {name: [value] for name, value in headers.items()},
            "queryStringParameters": {name: values[-1] for name, values in multi_query.items()} or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": params or None,
            "stageVariables": None,
            "requestContext": {
                "resourceId": "local",
                "resource": route.resource,
                "httpMethod": method,
                "path": f"/{self.stage}{path}",
                "stage": self.stage,
                "requestId": request_id,
                "accountId": "000000000000",
                "apiId": "local",
                "protocol": "HTTP/1.1",
                "domainName": f"127.0.0.1:{self.port}",
                "requestTimeEpoch": int(time.time() * 1000),
                "identity": {"sourceIp": "127.0.0.1", "userAgent": headers.get("User-Agent", "")},
                "authorizer": identity or None,
            },
            "body": text,
            "isBase64Encoded": encoded,
        }

    # ------------------------------------------------------------------ the server
    def start(self) -> "LocalApi":
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                started = time.monotonic()
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                try:
                    status, headers, answer = api.handle(self.command, self.path, dict(self.headers.items()), body)
                except FunctionTimedOut as exc:  # past the function's Timeout: stopped, as API Gateway tells it
                    print(f"api: {self.command} {self.path} timed out: {exc}", file=sys.stderr)
                    status, headers, answer = api._gateway_response(
                        "INTEGRATION_TIMEOUT", 504, "Endpoint request timed out"
                    )
                except Exception as exc:  # a crash of the function: API Gateway's 502
                    print(f"api: {self.command} {self.path} failed: {exc!r}", file=sys.stderr)
                    status, headers, answer = api._gateway_response("INTEGRATION_FAILURE", 502, "Internal server error")
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
                elapsed = (time.monotonic() - started) * 1000
                print(f"api: {self.command} {self.path} -> {status} ({elapsed:.0f} ms)", file=sys.stderr)

            def __getattr__(self, name: str) -> Any:
                # Every method, known or not (TRACE, QUERY, ...), goes to the API as on API Gateway
                if name.startswith("do_"):
                    return self._serve
                raise AttributeError(name)

            def log_message(self, *args: object) -> None:
                pass  # one line per request is printed by _serve

        self.server = _Server(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, name="api", daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # the default backlog of 5 reset connections under 50 parallel clients
    daemon_threads = True


def _as_text(body: bytes) -> tuple[str | None, bool]:
    """The proxy event's body and isBase64Encoded."""
    if not body:
        return None, False
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(body).decode(), True
