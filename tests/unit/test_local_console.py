"""The local stack's console route: its files and nothing beside them, and a sign-in only for console roles."""

import json

import jwt
import pytest

from devtools.emulator import local_console
from devtools.emulator.local_identity import local_secret
from tests.support import any_stack

CONSOLE = local_console.LocalConsole(local_console.security_headers(any_stack()))


@pytest.mark.parametrize(
    "path", ["/console/../pyproject.toml", "/console/assets/../../template.yaml", "/console/nope.js"]
)
def test_nothing_outside_the_built_console_is_served(path):
    status, _, body = CONSOLE.handle("GET", path, b"")
    assert status == 404
    assert b"AWSTemplateFormatVersion" not in body and b"[project]" not in body


@pytest.mark.parametrize("role", ["buyer", "", "admin"])
def test_only_console_roles_are_signed_in(role):
    status, _, body = CONSOLE.handle("POST", "/console/local-sign-in", json.dumps({"role": role, "sub": "x"}).encode())
    assert status == 403
    assert "token" not in json.loads(body)


@pytest.mark.parametrize(
    ("asked", "field"),
    [({"role": "merchant", "sub": "u-1"}, "body.merchant_id"), ({"role": "ops"}, "body.sub"), ("[]", "body")],
)
def test_a_sign_in_missing_what_its_role_needs_names_the_field(asked, field):
    body = asked.encode() if isinstance(asked, str) else json.dumps(asked).encode()
    status, _, answer = CONSOLE.handle("POST", "/console/local-sign-in", body)
    assert status == 422
    assert json.loads(answer)["error"]["details"][0]["field"] == field


def test_a_merchants_token_carries_its_merchant():
    asked = {"role": "erp", "sub": "erp-1", "merchant_id": "m-1"}
    status, _, answer = CONSOLE.handle("POST", "/console/local-sign-in", json.dumps(asked).encode())
    assert status == 200

    claims = jwt.decode(json.loads(answer)["token"], local_secret(), algorithms=["HS256"])
    assert (claims["role"], claims["sub"], claims["merchant_id"]) == ("erp", "erp-1", "m-1")


def test_the_local_console_sends_the_templates_security_headers_with_no_inline_script_or_style():
    policy = CONSOLE.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "style-src 'self';" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe" not in policy
    assert CONSOLE.headers["X-Frame-Options"] == "DENY"
