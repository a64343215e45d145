"""Verifying the bearer tokens that the API's authorizer sees.

HS256 tokens are signed with a shared secret kept in Secrets Manager; RS256 tokens are checked
against the keys published at a JWKS URL, when one is configured. Tokens are never logged.
"""

import functools

import jwt
from pydantic import ValidationError

from fastrefund.domain.errors import Unauthenticated
from fastrefund.domain.identity import Caller
from fastrefund.runtime import aws_clients
from fastrefund.runtime.config import get_authorizer_config

SECRET_CACHE_SECONDS = 300
_LEEWAY_SECONDS = 30  # tolerated clock skew between the issuer and us


def caller_from_token(authorization: str | None) -> Caller:
    """The caller named by an `Authorization: Bearer <JWT>` header value, or Unauthenticated."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("expected 'Authorization: Bearer <token>'")
    try:
        algorithm = str(jwt.get_unverified_header(token).get("alg"))
        claims = jwt.decode(
            token,
            key=_verification_key(algorithm, token),
            algorithms=[algorithm],
            options={"require": ["exp", "sub", "role"]},
            leeway=_LEEWAY_SECONDS,
        )
        return Caller(sub=claims["sub"], role=claims["role"], merchant_id=claims.get("merchant_id"))
    except (jwt.PyJWTError, ValidationError) as exc:
        raise Unauthenticated(f"invalid token: {type(exc).__name__}") from exc


def _verification_key(algorithm: str, token: str) -> str | jwt.PyJWK:
    config = get_authorizer_config()
    if algorithm == "HS256":
        secret = aws_clients.secrets().get(config.jwt_secret_name, max_age=SECRET_CACHE_SECONDS)
        if not isinstance(secret, str):
            raise jwt.InvalidKeyError("the HS256 secret is not a text secret")
        return secret
    if algorithm == "RS256" and config.jwks_url:
        return _jwks_client(config.jwks_url).get_signing_key_from_jwt(token)
    raise jwt.InvalidAlgorithmError(f"tokens signed with {algorithm} are not accepted")


@functools.cache
def _jwks_client(url: str) -> jwt.PyJWKClient:
    # One client per container: it caches the published keys between invocations.
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=SECRET_CACHE_SECONDS)
