"""A refund request as the refunds table stores it: the model, its owed marks and its index attributes."""

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


def review_partition(order_id: str) -> str:
    return f"{IN_REVIEW}#{dynamo.shard_of(order_id, REVIEW_SHARDS)}"


def to_item(refund: Refund) -> dynamo.Item:
    item = dynamo.item_of(refund) | owed_marks(refund)
    if refund.status is RefundStatus.PENDING_REVIEW:
        item["in_review"] = review_partition(refund.order_id)
    return item


def from_item(item: dynamo.Item) -> Refund:
    return dynamo.model_of(Refund, item)  # the index attributes (in_review, the owed marks) are left out
