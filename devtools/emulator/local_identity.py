"""Local tokens: the one local signing secret (never a production one) and the tokens signed with it.

The local stack gives JwtSecret this value, the tests' stack does too, and `make token` signs with it.
Production tokens come from the identity provider.
"""

import os
import time
import warnings
from typing import Any

import jwt

DEFAULT_SECRET = "local-dev-secret"  # documented in docs/local-stack.md; events/authorizer_token.json is signed with it


def local_secret() -> str:
    return os.environ.get("LOCAL_JWT_SECRET", DEFAULT_SECRET)


def sign(claims: dict[str, Any], secret: str | None = None, expires_in: float = 600, algorithm: str = "HS256") -> str:
    """A token with `claims` and an `exp` that many seconds from now (negative: already expired)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)  # the short default is local
        return jwt.encode(
            {"exp": int(time.time() + expires_in), **claims}, secret or local_secret(), algorithm=algorithm
        )
