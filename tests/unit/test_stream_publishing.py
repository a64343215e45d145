"""Turning refunds-table stream records into notices and payout instructions, with the publisher in
memory: what each change calls for, which records are reported for redelivery, and that a message keeps
its id across deliveries."""

import copy

from aws_lambda_powertools.utilities.batch import EventType
from hypothesis import assume, given
from hypothesis import strategies as st

from devtools.factories import order, refund_of
from devtools.invoking.sample_events import event
from fastrefund.domain.models.refund import Payout, PayoutStatus, RefundStatus, Resolution, ResolvedBy
from fastrefund.domain.notices import NOTICES, PAYOUTS, Outbox
from fastrefund.edge.batch import LoggedBatchProcessor
from fastrefund.logic.stream_publishing import publish_changes
from fastrefund.repositories.refund_stream import change_of
from tests.unit.fakes import InMemoryStore, RecordingPublisher

# An auto-refund (o-1), a request handed to review (o-2), the same request approved (o-2, shipped meanwhile)
SAMPLE = event("notifier_request_changes")
notices_for, payout_for = NOTICES.newly_owed, PAYOUTS.newly_owed


def stored_as_last_changed(batch: dict) -> InMemoryStore:
    """A store holding each request of the batch as its last readable record left it."""
    store = InMemoryStore()
    for record in batch["Records"]:
        try:
            refund = change_of(record["dynamodb"])[1]
        except ValueError:  # a record made unreadable on purpose
            continue
        store.refunds.refunds[refund.refund_id] = refund
    return store


def deliver(batch: dict, publisher: RecordingPublisher, outbox: Outbox = NOTICES, store=None) -> list[str]:
    processor = LoggedBatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
    store = store or stored_as_last_changed(batch)
    response = publish_changes(batch, processor, change_of, outbox, publisher, store.owed_messages)
    return [failure["itemIdentifier"] for failure in response["batchItemFailures"]]


def refund_ids(batch: dict) -> list[str]:
    return [record["dynamodb"]["NewImage"]["refund_id"]["S"] for record in batch["Records"]]


def test_each_change_is_told_with_its_own_notice():
    publisher = RecordingPublisher()

    assert deliver(SAMPLE, publisher) == []
    assert [(notice.notice_type, notice.action) for notice in publisher.published] == [
        ("ORDER_AUTO_REFUNDED", "STOP_SHIPMENT"),
        ("REFUND_REVIEW_REQUESTED", "REVIEW"),
        ("ORDER_REFUNDED", "INTERCEPT_OR_RECOVER"),  # the order had shipped when the merchant approved
    ]
    assert [notice.refund_id for notice in publisher.published] == refund_ids(SAMPLE)
    assert len({notice.notice_id for notice in publisher.published}) == 3  # one request, two notices, two ids


def test_a_notice_not_published_is_reported_and_keeps_its_id_when_delivered_again():
    second = refund_ids(SAMPLE)[1]
    flaky = RecordingPublisher(failing={second})

    failed = deliver(SAMPLE, flaky)
    again = RecordingPublisher()
    deliver(SAMPLE, again)

    sequences = [record["dynamodb"]["SequenceNumber"] for record in SAMPLE["Records"]]
    assert failed == sequences[1:]  # both records of that request
    assert [notice.refund_id for notice in flaky.published] == refund_ids(SAMPLE)[:1]
    assert {n.notice_id for n in flaky.attempted if n.refund_id == second} == {
        n.notice_id for n in again.published if n.refund_id == second
    }


def test_a_record_that_cannot_be_read_fails_alone():
    batch = copy.deepcopy(SAMPLE)
    batch["Records"][0]["dynamodb"]["NewImage"]["status"] = {"S": "LOST"}
    publisher = RecordingPublisher()

    failed = deliver(batch, publisher)

    assert failed == [batch["Records"][0]["dynamodb"]["SequenceNumber"]]
    assert [notice.refund_id for notice in publisher.published] == refund_ids(batch)[1:]


def test_a_change_that_tells_nothing_new_publishes_nothing():
    _, approved = change_of(SAMPLE["Records"][2]["dynamodb"])
    paid = approved.model_copy(update={"payout": approved.payout.model_copy(update={"status": PayoutStatus.SUCCEEDED})})

    assert notices_for(approved, paid) == []  # the payout result changed the request, not its status
    assert payout_for(approved, paid) == []


def test_each_approval_and_each_reissue_is_one_payout_instruction():
    publisher = RecordingPublisher()

    assert deliver(event("payout_publisher_pending_payouts"), publisher, outbox=PAYOUTS) == []
    assert [(p.approval, p.attempt, p.payout_id.endswith(":1")) for p in publisher.published] == [
        ("AUTO_REFUNDED", 1, True),
        ("MERCHANT", 1, True),
    ]
    _, approved = change_of(SAMPLE["Records"][2]["dynamodb"])
    failed = approved.model_copy(update={"payout": approved.payout.model_copy(update={"status": PayoutStatus.FAILED})})
    again = failed.model_copy(update={"payout": approved.payout.model_copy(update={"attempts": 2})})
    [reissued] = payout_for(failed, again)
    assert reissued.message_id() == f"{approved.refund_id}:2"
    assert payout_for(None, SAMPLE_REVIEW()) == []  # no approval, no payout


def SAMPLE_REVIEW():
    return change_of(SAMPLE["Records"][1]["dynamodb"])[1]


def test_what_is_published_is_confirmed_and_only_while_the_request_still_owes_it():
    store = stored_as_last_changed(SAMPLE)
    publisher = RecordingPublisher()

    deliver(SAMPLE, publisher, store=store)

    # o-2's review notice went out, but o-2 now owes the approval's notice: only that one is confirmed.
    assert store.owed_messages.confirmed == {
        ("notice", publisher.published[0].message_id()),
        ("notice", publisher.published[2].message_id()),
    }


def test_a_notice_not_published_is_not_confirmed():
    store = stored_as_last_changed(SAMPLE)
    first = refund_ids(SAMPLE)[0]

    deliver(SAMPLE, RecordingPublisher(failing={first}), store=store)

    assert [message_id for _, message_id in store.owed_messages.confirmed] == [
        NOTICES.owed(change_of(SAMPLE["Records"][2]["dynamodb"])[1]).message_id()
    ]


@given(
    status=st.sampled_from(RefundStatus),
    with_deadline=st.booleans(),
    resolution=st.none() | st.sampled_from([ResolvedBy.MERCHANT, ResolvedBy.OPS, ResolvedBy.REVIEW_TIMEOUT]),
    payout=st.none() | st.tuples(st.sampled_from(PayoutStatus), st.integers(1, 5)),
)
def test_the_id_an_outbox_marks_is_the_id_of_the_message_it_owes(status, with_deadline, resolution, payout):
    assume(status is not RefundStatus.APPROVED or resolution)  # an approval in review always says how
    paid = order()
    at = paid.paid_at
    refund = refund_of(
        paid,
        status=status,
        review_deadline=at if with_deadline else None,
        resolution=Resolution(by=resolution, at=at) if resolution else None,
        payout=Payout(updated_at=at, status=payout[0], attempts=payout[1]) if payout else None,
    )
    for outbox in (NOTICES, PAYOUTS):
        message = outbox.owed(refund)

        assert outbox.owed_id(refund) == (message.message_id() if message else None)
