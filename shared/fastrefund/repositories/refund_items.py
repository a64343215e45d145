"""A refund request as the refunds table stores it: the model, its owed marks and its index attributes."""

from fastrefund.domain.clock import to_storage
from fastrefund.domain.models.common import Route
from fastrefund.domain.models.refund import Refund, RefundStatus
from fastrefund.repositories import dynamo
from fastrefund.repositories.owed_messages import owed_marks

# The sparse index of requests in review, by deadline: only a PENDING_REVIEW item carries `in_review`, its
# partition: one of REVIEW_SHARDS by the order's id, so that neither the index's writes on a sale day nor the
# deadline sweep (one sweeper a partition, in parallel) meet a single partition's limits.
REVIEWS_DUE_INDEX = "ReviewsDue"
IN_REVIEW = "PENDING_REVIEW"
REVIEW_SHARDS = 64
# Requests sent to review before the index was sharded carry the bare IN_REVIEW: their partition is swept
# with the others until the last of them is decided (at most the review period after the change).
REVIEW_PARTITIONS = (*(f"{IN_REVIEW}#{shard}" for shard in range(REVIEW_SHARDS)), IN_REVIEW)


# The workbench's index: a merchant's refunds by decision time. It projects only what the workbench filters on
# and the usage reconciliation counts (route, status, amount_fen, policy_counter), none of which a confirmation
# or a payment result changes, so a refund costs it one write when inserted and one per review decision, each
# under 1 KB. Its key spreads a merchant over WORKBENCH_SPREADS partitions by the order's id, each taking its
# own 1,000 writes a second; its sort key is unique (the decision instant, then the refund's id), so that a
# position in it is one string that every spread can resume from.
WORKBENCH_INDEX = "WorkbenchByMerchant"
WORKBENCH_SPREADS = 4
AFTER_EVERY_REFUND_OF = "$"  # sorts just after "#": "<instant>$" follows every position "<instant>#<refund id>"
# Ops' view of one buyer's requests: keyed by the buyer, sorted like the workbench, keys only (a buyer's
# requests are few a second at most: one partition each)
BUYER_INDEX = "ByBuyer"
# Ops' queue: the requests a buyer's guard held that the review deadline passed to ops, oldest first, keys only.
# One partition: only a guarded request reaches it, once at its deadline and once when it is decided.
ESCALATED_INDEX = "Escalated"
ESCALATED = "ESCALATED"


def review_partition(order_id: str) -> str:
    return f"{IN_REVIEW}#{dynamo.shard_of(order_id, REVIEW_SHARDS)}"


def workbench_partitions(merchant_id: str) -> list[str]:
    return [f"{merchant_id}#{spread}" for spread in range(WORKBENCH_SPREADS)]


def workbench_attributes(refund: Refund) -> dynamo.Item:
    """The workbench index's attributes of a refund; they never change after it is stored."""
    attributes: dynamo.Item = {
        "workbench_key": f"{refund.merchant_id}#{dynamo.shard_of(refund.order_id, WORKBENCH_SPREADS)}",
        "workbench_at": f"{to_storage(refund.decided_at)}#{refund.refund_id}",
    }
    if refund.route is Route.MERCHANT_AUTO_REFUND:  # what the reconciliation of the day's usage counts
        attributes["policy_counter"] = refund.inputs.usage_counter or 0
    return attributes


def escalation_attributes(refund: Refund) -> dynamo.Item:
    """The escalated index's attributes of a request passed to ops (its position sorts oldest first)."""
    assert refund.escalated_at is not None
    return {"escalated": ESCALATED, "escalated_key": f"{to_storage(refund.escalated_at)}#{refund.refund_id}"}


def to_item(refund: Refund) -> dynamo.Item:
    item = dynamo.item_of(refund) | owed_marks(refund) | workbench_attributes(refund)
    if refund.status is RefundStatus.PENDING_REVIEW:  # in one of the review indexes: due, or passed to ops
        if refund.escalated_at is None:
            item["in_review"] = review_partition(refund.order_id)
        else:
            item |= escalation_attributes(refund)
    return item


def from_item(item: dynamo.Item) -> Refund:
    # the index attributes (in_review, workbench_*, escalated*, the owed marks) are left out
    return dynamo.model_of(Refund, item)
