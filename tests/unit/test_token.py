"""`make token`: a token the local authorizer accepts, or the mistake in the words the user typed."""

import jwt
import pytest

from devtools.cli import token
from devtools.emulator import local_identity


def test_a_buyer_token_carries_its_claims(capsys):
    token.main(["--role", "buyer", "--sub", "b-1"])

    claims = jwt.decode(capsys.readouterr().out.strip(), local_identity.local_secret(), algorithms=["HS256"])
    assert (claims["sub"], claims["role"]) == ("b-1", "buyer")


@pytest.mark.parametrize(
    ("argv", "told"),
    [
        (["--role", "buyer"], "SUB=<the caller's id> is required"),
        (["--role", "nobody", "--sub", "x"], "ROLE=nobody is not a role: use ROLE=buyer, merchant, erp or ops"),
        (["--sub", "x"], "ROLE= is missing"),
        (["--role", "merchant", "--sub", "u-1"], "ROLE=merchant needs MERCHANT=<its merchant id>"),
        (["--role", "buyer", "--sub", "auth0|123"], "SUB=<the caller's id> is required"),
    ],
    ids=["no-sub", "unknown-role", "no-role", "merchant-without-merchant", "sub-the-api-refuses"],
)
def test_a_mistake_is_told_in_makes_terms_and_prints_no_token(capsys, argv, told):
    with pytest.raises(SystemExit) as stopped:
        token.main(argv)

    output = capsys.readouterr()
    assert stopped.value.code == 2
    assert told in output.err
    assert output.out == ""
    assert "--" not in output.err
