"""Check a rules document before pushing it: make check-rules FILE=path.

The same validation a container applies (domain/rulebook.py). A valid document: exit 0 and one line
summing up its versions. An invalid one: exit 1 and one line per fault, naming the field.
"""

import argparse
import sys
from pathlib import Path

from pydantic import ValidationError

from fastrefund.domain.errors import field_issues
from fastrefund.domain.rulebook import RuleBook


def summary(rules: RuleBook) -> str:
    versions = "; ".join(
        f"{v.version} from {v.effective_from or 'the start'}: below {v.paid_amount_below_fen} fen, "
        f"window {f'{v.refund_window_hours} h' if v.refund_window_hours else 'none'}"
        for v in rules.versions
    )
    limits = rules.buyer_limits

    def most(limit: int | None) -> str:
        return "any" if limit is None else str(limit)

    buyers = (
        f"; buyer limits over {limits.window_days} days: {most(limits.max_auto_refunds)} refunds,"
        f" {most(limits.max_auto_refund_fen)} fen"
        if limits
        else "; no buyer limits"
    )
    return (
        f"valid: {len(rules.versions)} versions ({versions}); review timeout {rules.review_timeout_seconds} s{buyers}"
    )


def faults(invalid: ValidationError) -> list[str]:
    """Each fault of an invalid document, naming its field (make simulate-rules refuses a candidate alike)."""
    issues = field_issues(invalid.errors(include_url=False, include_input=False))
    return [f"invalid: {fault['field'] or '(document)'}: {fault['issue']}" for fault in issues]


def load(path: Path) -> RuleBook | list[str]:
    """The rules document at `path`, or each reason it cannot be used (unreadable, not UTF-8, invalid)."""
    try:
        return RuleBook.model_validate_json(path.read_text(encoding="utf-8"))
    except OSError as unreadable:
        return [f"invalid: cannot read {path}: {unreadable.strerror or unreadable}"]
    except UnicodeDecodeError as undecodable:
        return [f"invalid: {path} is not UTF-8 text (byte {undecodable.start})"]
    except ValidationError as invalid:
        return faults(invalid)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    rules = load(parser.parse_args().file)
    if isinstance(rules, list):
        print("\n".join(rules))
        return 1
    print(summary(rules))
    return 0


if __name__ == "__main__":
    sys.exit(main())
