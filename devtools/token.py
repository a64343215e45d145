"""Prints a token the local stack's authorizer accepts: `make token ROLE=buyer SUB=b-1 [MERCHANT=m-1]`.

Signed (HS256) with LOCAL_JWT_SECRET, the secret the local stack gives JwtSecret (default
"local-dev-secret"). Never a production secret: production tokens come from the identity provider.
"""

import argparse

from devtools.local_identity import sign


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="make token", description=__doc__.splitlines()[0])
    parser.add_argument("--role", required=True, choices=["buyer", "merchant", "erp", "ops"])
    parser.add_argument("--sub", required=True)
    parser.add_argument("--merchant", default="", help="merchant_id, for merchant and erp")
    parser.add_argument("--hours", type=float, default=12, help="how long the token lives")
    args = parser.parse_args(argv)
    if args.role in ("merchant", "erp") and not args.merchant:
        parser.error("merchant and erp tokens need MERCHANT=<merchant id>")
    claims = {"sub": args.sub, "role": args.role}
    if args.merchant:
        claims["merchant_id"] = args.merchant
    print(sign(claims, expires_in=args.hours * 3600))


if __name__ == "__main__":
    main()
