"""Order intake: the SQS function applies each message on its own, safely repeated, never half-applied."""

import json
from http import HTTPStatus

import pytest

from tests.support import (
    api_event,
    ask_refund,
    enrol_since,
    event,
    invoke,
    merchant,
    paid_order_message,
    response_json,
    shipped_message,
    sqs_batch,
)


def stored_order(stack, order_id):
    item = stack.dynamodb.get_item(TableName=stack.table("OrdersTable"), Key={"order_id": {"S": order_id}})
    return item.get("Item")


def enrol_now(merchant_id="m-1", enabled=True):
    request = api_event(
        "merchants_api_put_fast_refund_service",
        caller=merchant(merchant_id),
        path={"merchant_id": merchant_id},
        body={"enabled": enabled},
    )
    assert invoke("merchants_api", request)["statusCode"] == HTTPStatus.OK


def test_the_sample_batch_is_applied_in_full(stack):
    enrol_since("2026-01-01T00:00:00+08:00")

    result = invoke("order_events", event("order_events_batch"))

    assert result == {"batchItemFailures": []}
    assert stored_order(stack, "o-1")["status"] == {"S": "PAID"}
    assert stored_order(stack, "o-1")["badge_at_payment"] == {"BOOL": True}
    assert stored_order(stack, "o-2")["status"] == {"S": "SHIPPED"}
    assert stored_order(stack, "o-3")["status"] == {"S": "CLOSED"}


def test_malformed_messages_fail_alone_and_change_nothing(stack):
    sample = event("order_events_malformed")

    result = invoke("order_events", sample)

    failed = {failure["itemIdentifier"] for failure in result["batchItemFailures"]}
    assert failed == {record["messageId"] for record in sample["Records"][:2]}
    assert stored_order(stack, "o-9") is None
    assert stored_order(stack, "o-10") is not None


def test_the_badge_snapshot_needs_the_merchant_enrolled_at_payment(stack):
    invoke("order_events", sqs_batch(paid_order_message(order_id="o-before", paid_at="2020-01-01T00:00:00+08:00")))
    enrol_now()
    invoke("order_events", sqs_batch(paid_order_message(order_id="o-after", paid_at="2099-01-01T00:00:00+08:00")))

    assert stored_order(stack, "o-before")["badge_at_payment"] == {"BOOL": False}
    assert stored_order(stack, "o-after")["badge_at_payment"] == {"BOOL": True}


def test_a_late_event_is_judged_by_the_enrolment_when_it_was_paid(stack):
    # Given a merchant who joined in January and left in June
    enrol_since("2026-01-01T00:00:00+08:00")
    enrol_since("2026-06-01T00:00:00+08:00", enabled=False)

    # When orders paid before, during and after the enrolment arrive only now
    invoke(
        "order_events",
        sqs_batch(
            paid_order_message(order_id="o-before", paid_at="2025-12-31T23:59:59+08:00"),
            paid_order_message(order_id="o-during", paid_at="2026-05-31T23:59:59+08:00"),
            paid_order_message(order_id="o-after", paid_at="2026-06-01T00:00:00+08:00"),
        ),
    )

    # Then only the one paid while enrolled keeps the badge
    badges = {
        order_id: stored_order(stack, order_id)["badge_at_payment"]["BOOL"]
        for order_id in ("o-before", "o-during", "o-after")
    }
    assert badges == {"o-before": False, "o-during": True, "o-after": False}


def test_an_event_before_its_order_is_paid_is_kept_not_retried(stack):
    first = invoke("order_events", sqs_batch(shipped_message()))
    invoke("order_events", sqs_batch(paid_order_message()))

    assert first == {"batchItemFailures": []}  # kept: nothing goes back to the queue, nothing to the dead letters
    assert stored_order(stack, "o-1")["status"] == {"S": "SHIPPED"}


@pytest.mark.parametrize(
    ("early", "answer", "order_status"),
    [
        (shipped_message(), HTTPStatus.CREATED, "SHIPPED"),
        (
            {"type": "ORDER_CLOSED", "order_id": "o-1", "closed_at": "2026-11-26T10:30:00+08:00"},
            HTTPStatus.CONFLICT,
            "CLOSED",
        ),
    ],
    ids=["shipped", "closed"],
)
def test_a_refund_asked_the_moment_the_order_is_visible_sees_the_event_that_came_before_its_payment(
    stack, early, answer, order_status
):
    enrol_since("2026-01-01T00:00:00+08:00")  # covered by the guarantee, were it not for the early event
    assert invoke("order_events", sqs_batch(early)) == {"batchItemFailures": []}
    assert ask_refund()["statusCode"] == HTTPStatus.NOT_FOUND  # no order until it is paid
    assert invoke("order_events", sqs_batch(paid_order_message())) == {"batchItemFailures": []}

    response = ask_refund()

    assert response["statusCode"] == answer
    if answer == HTTPStatus.CREATED:
        refund = response_json(response)
        assert refund["status"] == "PENDING_REVIEW" and "ORDER_SHIPPED" in refund["reasons"]
    else:
        assert response_json(response)["error"]["code"] == "ORDER_CLOSED"
    assert stored_order(stack, "o-1")["status"] == {"S": order_status}


def test_a_message_missing_a_field_names_it_in_the_log(stack, caplog):
    message = paid_order_message()
    del message["order"]["paid_at"]

    result = invoke("order_events", sqs_batch(message))

    assert result == {"batchItemFailures": [{"itemIdentifier": "msg-0"}]}
    [warning] = [record for record in caplog.records if record.getMessage() == "record not processed"]
    assert warning.why == [{"field": "ORDER_PAID.order.paid_at", "issue": "Field required"}]
    assert stored_order(stack, "o-1") is None


def test_with_the_order_systems_topic_the_queue_is_subscribed_raw_and_open_to_that_topic_alone(stack):
    from devtools.catalogue.template import Resolver, Template
    from devtools.emulator import resources

    topic = stack.sns.create_topic(Name="order-system-events")["TopicArn"]
    template = Template.load(parameters={"OrderEventsTopicArn": topic})
    resolve = Resolver(template)
    resolve.refs.update(stack.resolve.refs)
    resolve.attributes.update(stack.resolve.attributes)
    resolve.refs["OrderEventsTopicArn"] = topic

    # the parameter brings the subscription and the queue policy; without it, neither exists
    assert {"OrderEventsSubscription", "OrderEventsQueuePolicy"} <= set(template.resources)
    assert not {"OrderEventsSubscription", "OrderEventsQueuePolicy"} & set(Template.load().resources)
    policy = template.resources["OrderEventsQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert resolve(policy["Condition"]["ArnEquals"]["aws:SourceArn"]) == topic

    # the order system publishes; the queue receives the event itself, which intake applies
    resources.create_subscriptions(template, stack.sns, resolve)
    enrol_since("2026-01-01T00:00:00+08:00")
    stack.sns.publish(TopicArn=topic, Message=json.dumps(paid_order_message(order_id="o-sns")))
    queue_url = stack.resolve.refs["OrderEventsQueue"]
    [message] = stack.sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    assert json.loads(message["Body"])["type"] == "ORDER_PAID"
    assert invoke("order_events", sqs_batch(message["Body"])) == {"batchItemFailures": []}
    assert stored_order(stack, "o-sns")["status"] == {"S": "PAID"}


def test_an_sns_envelope_is_unwrapped(stack):
    envelope = {"Type": "Notification", "MessageId": "x", "Message": json.dumps(paid_order_message(order_id="o-env"))}

    assert invoke("order_events", sqs_batch(envelope)) == {"batchItemFailures": []}
    assert stored_order(stack, "o-env")["status"] == {"S": "PAID"}
