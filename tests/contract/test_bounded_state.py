"""What the service keeps stays bounded by what happened, not by how often it was told: a repeated enrolment adds
no record, the enrolment at an instant is one record read however long the history, and a shipment or closure
whose payment never comes expires."""

import os
from datetime import timedelta

import pytest

from devtools.factories import order
from fastrefund.domain.clock import utc_now
from fastrefund.domain.models.order import Shipment
from fastrefund.logic.ports import Store
from fastrefund.repositories import dynamo, keys
from fastrefund.repositories.orders import AWAITING_PAYMENT_KEPT
from tests.dynamodb_local.test_atomicity import stored

NOW = utc_now()


def test_a_repeated_enrolment_changes_nothing_and_the_history_answers_at_every_instant(store: Store):
    assert store.merchants.set_fast_refund_service("m-1", True, NOW)
    for minutes in range(1, 20):  # the same value again and again: the ERP's retries
        assert not store.merchants.set_fast_refund_service("m-1", True, NOW + timedelta(minutes=minutes))
    assert store.merchants.set_fast_refund_service("m-1", False, NOW + timedelta(hours=1))
    assert store.merchants.set_fast_refund_service("m-1", True, NOW + timedelta(hours=2))

    assert not store.merchants.enrolled_at("m-1", NOW - timedelta(seconds=1))
    assert store.merchants.enrolled_at("m-1", NOW)
    assert store.merchants.enrolled_at("m-1", NOW + timedelta(minutes=59))
    assert not store.merchants.enrolled_at("m-1", NOW + timedelta(hours=1, minutes=30))
    assert store.merchants.enrolled_at("m-1", NOW + timedelta(days=30))
    assert store.merchants.recent_settings("m-1").fast_refund_updated_at == NOW + timedelta(hours=2)


@pytest.mark.usefixtures("local_tables")
def test_the_enrolment_records_are_the_changes_alone():
    from fastrefund.repositories.store import get_store

    merchants = get_store().merchants
    for minutes in range(10):
        merchants.set_fast_refund_service("m-1", True, NOW + timedelta(minutes=minutes))
    response = dynamo.client().query(
        TableName=os.environ["MERCHANTS_TABLE"],
        KeyConditionExpression="merchant_id = :merchant_id AND begins_with(#record, :enrolment)",
        ExpressionAttributeNames={"#record": "record"},
        ExpressionAttributeValues=dynamo.values(merchant_id="m-1", enrolment=keys.ENROLMENT),
    )
    assert response["Count"] == 1


@pytest.mark.usefixtures("local_tables")
def test_a_shipment_told_before_its_payment_expires_unless_the_payment_comes():
    from fastrefund.repositories.store import get_store

    orders, told_at = get_store().orders, utc_now()
    parcel = Shipment(carrier="SF", tracking_number="SF1", shipped_at=told_at)
    assert orders.ship_before_payment("o-never-paid", parcel)
    assert orders.ship_before_payment("o-paid-later", parcel)
    orders.add_paid(order(order_id="o-paid-later", paid_at=told_at - timedelta(minutes=1)))

    expires_at = stored("ORDERS_TABLE", "o-never-paid")["expires_at"]
    assert -1 < expires_at - (told_at + AWAITING_PAYMENT_KEPT).timestamp() < 60  # whole seconds
    assert "expires_at" not in stored("ORDERS_TABLE", "o-paid-later")
