"""The console on the local stack: its built files at /console/ on the API's origin (as CloudFront serves them
deployed), its config.json, and the local sign-in, which only the local stack has: a person chooses a role and an
id and gets a token signed with the local secret, as `make token` prints one. Buyers are refused: their page is
the platform's app."""

import json
import mimetypes
from dataclasses import dataclass
from http import HTTPStatus

from devtools.catalogue.template import CONSOLE_BUILT, Template
from devtools.emulator.local_identity import sign

PREFIX = "/console"
SESSION_SECONDS = 8 * 3600  # a working day
CONSOLE_ROLES = ("merchant", "erp", "ops")

Answer = tuple[int, dict[str, str], bytes]


def serves(path: str) -> bool:
    return path == PREFIX or path.startswith(f"{PREFIX}/")


def security_headers(template: Template) -> dict[str, str]:
    """The headers the template's ConsoleSecurityHeaders policy has CloudFront add, so that the browser tier meets
    the policy the console is deployed under."""
    config = template.resources["ConsoleSecurityHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]
    security = config["SecurityHeadersConfig"]
    return {
        "Content-Security-Policy": " ".join(security["ContentSecurityPolicy"]["ContentSecurityPolicy"].split()),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": security["FrameOptions"]["FrameOption"],
        "Referrer-Policy": security["ReferrerPolicy"]["ReferrerPolicy"],
    }


@dataclass(frozen=True)
class LocalConsole:
    headers: dict[str, str]

    def handle(self, method: str, path: str, body: bytes) -> Answer:
        if path == f"{PREFIX}/local-sign-in" and method == "POST":
            return _sign_in(body)
        if method not in ("GET", "HEAD"):
            return _json(HTTPStatus.METHOD_NOT_ALLOWED, {"error": {"code": "METHOD_NOT_ALLOWED", "message": method}})
        if path == f"{PREFIX}/config.json":
            return _json(HTTPStatus.OK, {"signIn": "local"})
        if path == PREFIX:
            return HTTPStatus.MOVED_PERMANENTLY, {"Location": f"{PREFIX}/"}, b""
        return self._file(path.removeprefix(f"{PREFIX}/") or "index.html")

    def _file(self, name: str) -> Answer:
        target = (CONSOLE_BUILT / name).resolve()
        if not target.is_relative_to(CONSOLE_BUILT.resolve()) or not target.is_file():
            if not (CONSOLE_BUILT / "index.html").is_file():
                return _text(HTTPStatus.NOT_FOUND, "The console is not built: make console (make run builds it).")
            return _text(HTTPStatus.NOT_FOUND, "Not found")
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        # Hashed assets never change; the page that names them is asked for each time
        cache = "public, max-age=31536000, immutable" if name.startswith("assets/") else "no-cache"
        return HTTPStatus.OK, {"Content-Type": kind, "Cache-Control": cache, **self.headers}, target.read_bytes()


def _sign_in(body: bytes) -> Answer:
    try:
        asked = json.loads(body or b"{}")
        role, sub, merchant = str(asked.get("role", "")), str(asked.get("sub") or ""), asked.get("merchant_id")
    except (ValueError, AttributeError):
        return _refused(HTTPStatus.UNPROCESSABLE_ENTITY, "body", "a JSON object: role, sub, merchant_id")
    if role not in CONSOLE_ROLES:
        return _json(
            HTTPStatus.FORBIDDEN,
            {"error": {"code": "NO_CONSOLE_FOR_ROLE", "message": f"{role or 'this role'} has no console"}},
        )
    if not sub:
        return _refused(HTTPStatus.UNPROCESSABLE_ENTITY, "body.sub", "required")
    if role != "ops" and not merchant:
        return _refused(HTTPStatus.UNPROCESSABLE_ENTITY, "body.merchant_id", "required for merchant and erp")
    claims = {"sub": sub, "role": role} | ({"merchant_id": str(merchant)} if role != "ops" else {})
    return _json(HTTPStatus.OK, {"token": sign(claims, expires_in=SESSION_SECONDS)})


def _refused(status: int, field: str, issue: str) -> Answer:
    detail = {"code": "VALIDATION_ERROR", "message": "invalid sign-in", "details": [{"field": field, "issue": issue}]}
    return _json(status, {"error": detail})


def _json(status: int, body: dict) -> Answer:
    return status, {"Content-Type": "application/json", "Cache-Control": "no-store"}, json.dumps(body).encode()


def _text(status: int, text: str) -> Answer:
    return status, {"Content-Type": "text/plain; charset=utf-8"}, text.encode()
