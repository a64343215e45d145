"""Prints a token the local stack's authorizer accepts: `make token ROLE=buyer SUB=b-1 [MERCHANT=m-1]`.

Signed (HS256) with LOCAL_JWT_SECRET, the secret the local stack gives JwtSecret (default
"local-dev-secret"). Never a production secret: production tokens come from the identity provider.
Mistakes are told in Make's terms (ROLE=, SUB=, MERCHANT=), since that is what the user typed.
"""

import argparse
import re
import sys

from devtools.emulator.local_identity import sign
from fastrefund.domain.identity import Role
from fastrefund.domain.models.common import IDENTIFIER_MAX_LENGTH, IDENTIFIER_PATTERN

ROLES = tuple(role.value for role in Role)


def is_identifier(text: str) -> bool:
    """Whether `text` is an identifier as the service takes one (sub, merchant_id)."""
    return len(text) <= IDENTIFIER_MAX_LENGTH and re.fullmatch(IDENTIFIER_PATTERN, text) is not None


def problems(role: str, sub: str, merchant: str) -> list[str]:
    found = []
    if role not in ROLES:
        found.append(f"ROLE={role} is not a role: use ROLE=buyer, merchant, erp or ops" if role else "ROLE= is missing")
    if not is_identifier(sub):
        found.append("SUB=<the caller's id> is required (letters, digits, _ . : -; at most 64), e.g. SUB=b-1")
    if role in ("merchant", "erp") and not is_identifier(merchant):
        found.append(f"ROLE={role} needs MERCHANT=<its merchant id>, e.g. MERCHANT=m-1")
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="make token", description=__doc__.splitlines()[0])
    parser.add_argument("--role", default="")
    parser.add_argument("--sub", default="")
    parser.add_argument("--merchant", default="", help="merchant_id, for merchant and erp")
    parser.add_argument("--hours", type=float, default=12, help="how long the token lives")
    args = parser.parse_args(argv)
    found = problems(args.role, args.sub, args.merchant)
    if found:
        print("\n".join(f"make token: {problem}" for problem in found), file=sys.stderr)
        raise SystemExit(2)
    claims = {"sub": args.sub, "role": args.role}
    if args.merchant:
        claims["merchant_id"] = args.merchant
    print(sign(claims, expires_in=args.hours * 3600))


if __name__ == "__main__":
    main()
