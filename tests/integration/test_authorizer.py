"""The API's authorizer: valid tokens pass with their identity; anything else is a 401."""

import http.server
import json
import threading
import time
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


ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example"
AUDIENCE = "fast-refund-api"
LATER = 4102444800  # 2100-01-01


class IdentityProvider:
    """An identity provider on loopback: a JWKS endpoint whose keys can rotate, and tokens shaped like
    Cognito's (iss, aud, kid, custom: claims)."""

    def __init__(self) -> None:
        self.keys: dict[str, rsa.RSAPrivateKey] = {"k1": self.new_key()}

        provider = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                published = [
                    json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key())) | {"kid": kid, "use": "sig"}
                    for kid, key in provider.keys.items()
                ]
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps({"keys": published}).encode())

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/.well-known/jwks.json"

    @staticmethod
    def new_key() -> rsa.RSAPrivateKey:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def token(self, kid: str = "k1", key: rsa.RSAPrivateKey | None = None, **claims: object) -> str:
        """A token signed with the key published as `kid` (or with `key`); a claim given as None is left out."""
        payload = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "7f3c9a2e-5b1d-4e8f-9a6c-2d4b8e1f0a3c",
            "exp": LATER,
            "custom:role": "merchant",
            "custom:merchant_id": "m-1",
        }
        payload = {name: value for name, value in (payload | claims).items() if value is not None}
        return jwt.encode(payload, key or self.keys[kid], algorithm="RS256", headers={"kid": kid})


@pytest.fixture
def provider(monkeypatch) -> Iterator[IdentityProvider]:
    """The authorizer configured as deployed with a real provider: JWKS, issuer, audience, claim names."""
    idp = IdentityProvider()
    for name, value in {
        "JWKS_URL": idp.url,
        "JWT_ISSUER": ISSUER,
        "JWT_AUDIENCE": AUDIENCE,
        "ROLE_CLAIM": "custom:role",
        "MERCHANT_CLAIM": "custom:merchant_id",
    }.items():
        monkeypatch.setenv(name, value)
    yield idp
    idp.server.shutdown()


def test_a_providers_token_is_accepted_with_its_claims(stack, provider):
    answer = authorize("Bearer " + provider.token())

    assert answer["context"] == {
        "sub": "7f3c9a2e-5b1d-4e8f-9a6c-2d4b8e1f0a3c",
        "role": "merchant",
        "merchant_id": "m-1",
    }


def test_an_audience_list_that_names_the_api_is_accepted(stack, provider):
    assert authorize("Bearer " + provider.token(aud=["another-api", AUDIENCE]))["context"]["role"] == "merchant"


@pytest.mark.parametrize(
    ("kid", "forged", "claims"),
    [
        ("k1", False, {"iss": "https://evil.example.com"}),
        ("k1", False, {"aud": "another-api"}),
        ("k1", False, {"aud": None}),
        ("k-unknown", True, {}),
        ("k1", True, {}),
        ("k1", False, {"exp": 1}),
        ("k1", False, {"custom:role": None}),
        ("k1", False, {"custom:role": None, "role": "ops"}),
    ],
    ids=[
        "wrong-issuer",
        "wrong-audience",
        "no-audience",
        "unknown-kid",
        "forged",
        "expired",
        "no-role",
        "role-in-another-claim",
    ],
)
def test_a_providers_token_that_is_wrong_in_any_way_is_unauthorized(stack, provider, kid, forged, claims):
    signed = provider.token(kid=kid, key=provider.new_key() if forged else None, **claims)

    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorize("Bearer " + signed)


def test_the_local_hs256_secret_is_refused_where_a_provider_is_configured(stack, provider):
    # Whoever reads JwtSecret could otherwise mint ops tokens for the production API
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorize("Bearer " + token(sub="ops-1", role="ops"))


def test_a_rotated_key_is_fetched_once_the_old_set_no_longer_names_it(stack, provider, monkeypatch):
    assert authorize("Bearer " + provider.token())["context"]["role"] == "merchant"
    # The provider rotates to a new key; past the client's refresh cool-down, a token signed with it
    # makes the authorizer fetch the keys again
    provider.keys = {"k2": provider.new_key()}
    later = time.monotonic() + 60
    monkeypatch.setattr(jwt.jwks_client.time, "monotonic", lambda: later)

    assert authorize("Bearer " + provider.token(kid="k2"))["context"]["role"] == "merchant"


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
