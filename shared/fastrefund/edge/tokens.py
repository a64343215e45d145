"""Verifying the bearer tokens that the API's authorizer sees.

Deployed with an identity provider (a JWKS URL), a token is RS256, signed by a key the provider
publishes, issued by it and for this API (issuer and audience checked); role and merchant come from
the configured claims. Only where no provider is configured (locally) are HS256 tokens signed with the
JwtSecret accepted. Tokens are never logged.
"""

import functools

import jwt
from pydantic import ValidationError

from fastrefund.domain.errors import Unauthenticated
from fastrefund.domain.identity import Caller
from fastrefund.platform import aws_clients
from fastrefund.platform.config import AuthorizerConfig, settings

SECRET_CACHE_SECONDS = 300
_LEEWAY_SECONDS = 30  # tolerated clock skew between the issuer and us


def caller_from_token(authorization: str | None) -> Caller:
    """The caller named by an `Authorization: Bearer <JWT>` header value, or Unauthenticated."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("expected 'Authorization: Bearer <token>'")
    config = settings(AuthorizerConfig)
    try:
        algorithm = str(jwt.get_unverified_header(token).get("alg"))
        claims = jwt.decode(
            token,
            key=_verification_key(config, algorithm, token),
            algorithms=[algorithm],
            issuer=config.jwt_issuer,
            audience=config.jwt_audience,
            options={"require": ["exp", "sub", config.role_claim]},
            leeway=_LEEWAY_SECONDS,
        )
        return Caller(sub=claims["sub"], role=claims[config.role_claim], merchant_id=claims.get(config.merchant_claim))
    except (jwt.PyJWTError, ValidationError) as exc:
        raise Unauthenticated(f"invalid token: {type(exc).__name__}") from exc


def _verification_key(config: AuthorizerConfig, algorithm: str, token: str) -> str | jwt.PyJWK:
    if config.jwks_url:
        if algorithm != "RS256":  # the provider's keys only: a shared secret would let its readers mint tokens
            raise jwt.InvalidAlgorithmError(f"tokens signed with {algorithm} are not accepted")
        return _jwks_client(config.jwks_url).get_signing_key_from_jwt(token)
    if algorithm != "HS256" or config.jwt_secret_name is None:
        raise jwt.InvalidAlgorithmError(f"tokens signed with {algorithm} are not accepted")
    return aws_clients.secret_text(config.jwt_secret_name, max_age=SECRET_CACHE_SECONDS)


@functools.cache
def _jwks_client(url: str) -> jwt.PyJWKClient:
    # One client per container: it caches the published keys between invocations.
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=SECRET_CACHE_SECONDS)
