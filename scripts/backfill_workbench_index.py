"""Give every refund stored before the WorkbenchByMerchant index its attributes: make backfill-workbench TABLE=...

A refund written by this release carries workbench_key, workbench_at and (merchant route) policy_counter; one
written before does not, so the index, and the workbench and the usage reconciliation that read it, do not see
it. This scans the refunds table once and sets them on each item that lacks them, with a condition, so that
running it twice, or while the service writes, changes nothing twice. It prints what it did.
"""

import argparse
import sys
from typing import Any

from botocore.exceptions import ClientError

from fastrefund.repositories import dynamo, keys
from fastrefund.repositories.refund_items import from_item, workbench_attributes


def backfill(table: str) -> tuple[int, int]:
    """(items given the attributes, items that had them already)."""
    scan: dict[str, Any] = {"TableName": table}
    given, had = 0, 0
    while True:
        response = dynamo.client().scan(**scan)
        for item in map(dynamo.decode, response["Items"]):
            if "workbench_key" in item:
                had += 1
                continue
            refund = from_item(item)
            attributes = workbench_attributes(refund)
            try:
                dynamo.client().update_item(
                    TableName=table,
                    Key=keys.refund(refund.order_id, refund.refund_id),
                    UpdateExpression="SET " + ", ".join(f"{name} = :{name}" for name in attributes),
                    ConditionExpression="attribute_exists(refund_id) AND attribute_not_exists(workbench_key)",
                    ExpressionAttributeValues=dynamo.values(**attributes),
                )
                given += 1
            except ClientError as exc:
                if not dynamo.condition_failed(exc):
                    raise
                had += 1  # rewritten meanwhile by the service, which sets them itself
        if "LastEvaluatedKey" not in response:
            return given, had
        scan["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", required=True, help="the RefundsTableName output")
    given, had = backfill(parser.parse_args().table)
    print(f"{given} refunds given the workbench index's attributes; {had} had them already")
    return 0


if __name__ == "__main__":
    sys.exit(main())
