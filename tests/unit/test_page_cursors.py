"""Page cursors: a cursor leads on only in the list, and for the merchant, buyer and filters, it was issued for."""

import pytest

from fastrefund.domain.errors import InvalidCursor
from fastrefund.logic.page_cursors import PageCursors

KEY = b"the service's cursor key"


def test_a_cursor_leads_to_the_position_it_was_issued_at():
    cursors = PageCursors(KEY, "merchant-refunds", {"merchant_id": "m-1", "filters": {"route": None}})

    assert cursors.position(cursors.issue("2026-12-07T10:00:00Z#r-1")) == "2026-12-07T10:00:00Z#r-1"


@pytest.mark.parametrize(
    ("list_name", "scope"),
    [
        ("buyer-refunds", {"merchant_id": "m-1", "filters": {}}),  # another list, the very same scope
        ("merchant-refunds", {"merchant_id": "m-2", "filters": {}}),  # another merchant
        ("merchant-refunds", {"merchant_id": "m-1", "filters": {"route": "PLATFORM_FAST_REFUND"}}),  # other filters
    ],
)
def test_a_cursor_is_refused_by_any_other_list_merchant_or_filters(list_name, scope):
    issued = PageCursors(KEY, "merchant-refunds", {"merchant_id": "m-1", "filters": {}}).issue("p")

    with pytest.raises(InvalidCursor):
        PageCursors(KEY, list_name, scope).position(issued)


@pytest.mark.parametrize("tampered", ["", "not-a-cursor", "eyJzY29wZSI6e319.forged"])
def test_a_cursor_this_service_did_not_sign_is_refused(tampered):
    with pytest.raises(InvalidCursor):
        PageCursors(KEY, "escalated-refunds", {}).position(tampered)


def test_a_cursor_signed_with_another_key_is_refused():
    issued = PageCursors(b"another key", "escalated-refunds", {}).issue("p")

    with pytest.raises(InvalidCursor):
        PageCursors(KEY, "escalated-refunds", {}).position(issued)
