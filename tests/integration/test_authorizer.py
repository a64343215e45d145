"""The API's authorizer: valid tokens pass with their identity; anything else is a 401."""

import http.server
import json
import threading
from collections.abc import Iterator

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support import event, invoke, token


def authorize(authorization: str) -> dict:
    request = event("authorizer_token") | {"authorizationToken": authorization}
    return invoke("authorizer", request)


def test_the_sample_event_is_accepted_with_the_local_secret(stack):
    answer = invoke("authorizer", event("authorizer_token"))

    assert answer["principalId"] == "b-1"
    assert answer["context"] == {"sub": "b-1", "role": "buyer", "merchant_id": ""}
    [statement] = answer["policyDocument"]["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Resource"] == ["arn:aws:execute-api:us-east-1:123456789012:abc123/v1/*/*"]


def test_a_merchant_token_carries_its_merchant(stack):
    answer = authorize("Bearer " + token(sub="u-1", role="erp", merchant_id="m-1"))

    assert answer["context"] == {"sub": "u-1", "role": "erp", "merchant_id": "m-1"}


@pytest.mark.parametrize(
    "authorization",
    [
        "",
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Bearer not-a-jwt",
        "Bearer " + token(expires_in=-60, sub="b-1", role="buyer"),
        "Bearer " + token(secret="someone-elses-secret", sub="b-1", role="buyer"),
        "Bearer " + token(sub="b-1", role="admin"),
        "Bearer " + token(sub="u-1", role="merchant"),
        "Bearer " + token(role="buyer"),
        "Bearer " + jwt.encode({"sub": "b-1", "role": "buyer"}, "local-dev-secret", algorithm="HS256"),
        "Bearer " + jwt.encode({"sub": "b-1", "role": "ops", "exp": 4102444800}, None, algorithm="none"),
    ],
    ids=[
        "empty",
        "no-token",
        "basic",
        "garbage",
        "expired",
        "bad-signature",
        "unknown-role",
        "merchant-without-merchant",
        "no-sub",
        "no-expiry",
        "unsigned",
    ],
)
def test_anything_but_a_valid_token_is_unauthorized(stack, authorization):
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorize(authorization)


@pytest.fixture
def jwks_server(monkeypatch) -> Iterator[rsa.RSAPrivateKey]:
    """An identity provider's JWKS endpoint on loopback, publishing one RS256 key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key())) | {"kid": "k1", "use": "sig"}
    document = json.dumps({"keys": [jwk]}).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("JWKS_URL", f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json")
    yield key
    server.shutdown()


def test_an_rs256_token_is_checked_against_the_published_keys(stack, jwks_server):
    signed = jwt.encode(
        {"sub": "ops-1", "role": "ops", "exp": 4102444800}, jwks_server, algorithm="RS256", headers={"kid": "k1"}
    )
    forged_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(
        {"sub": "ops-1", "role": "ops", "exp": 4102444800}, forged_key, algorithm="RS256", headers={"kid": "k1"}
    )

    assert authorize("Bearer " + signed)["context"]["role"] == "ops"
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorize("Bearer " + forged)


def test_rs256_is_refused_when_no_jwks_url_is_configured(stack, monkeypatch):
    monkeypatch.setenv("JWKS_URL", "")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signed = jwt.encode({"sub": "ops-1", "role": "ops", "exp": 4102444800}, key, algorithm="RS256")

    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorize("Bearer " + signed)


def test_the_token_never_reaches_the_logs(stack, caplog):
    secret_token = token(sub="b-1", role="buyer")

    authorize("Bearer " + secret_token)
    with pytest.raises(Exception, match="Unauthorized"):
        authorize("Bearer " + secret_token + "x")

    logged = " ".join(str(record.__dict__) for record in caplog.records)
    assert "token refused" in logged
    assert secret_token not in logged
    assert secret_token.split(".")[2] not in logged
