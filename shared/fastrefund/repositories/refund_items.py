"""A refund request as the refunds table stores it: the model, its owed marks and its index attributes."""

from fastrefund.domain.models.refund import Refund, RefundStatus
from fastrefund.repositories import dynamo
from fastrefund.repositories.owed_messages import owed_marks

# The sparse index of requests in review, by deadline: only a PENDING_REVIEW item carries `in_review`.
REVIEWS_DUE_INDEX = "ReviewsDue"
IN_REVIEW = "PENDING_REVIEW"


def to_item(refund: Refund) -> dynamo.Item:
    item = dynamo.item_of(refund) | owed_marks(refund)
    if refund.status is RefundStatus.PENDING_REVIEW:
        item["in_review"] = IN_REVIEW
    return item


def from_item(item: dynamo.Item) -> Refund:
    return dynamo.model_of(Refund, item)  # the index attributes (in_review, the owed marks) are left out
