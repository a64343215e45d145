"""The one error map: every service error a caller can meet has its status and code there."""

from http import HTTPStatus

from fastrefund.domain import errors
from fastrefund.domain.errors import RaceLost, ServiceError
from fastrefund.edge.http_api import ERROR_STATUS


def subclasses(base: type) -> set[type]:
    found = set()
    for cls in base.__subclasses__():
        found |= {cls} | subclasses(cls)
    return found


def test_every_service_error_has_its_status_and_code():
    assert subclasses(ServiceError) - set(ERROR_STATUS) == set()


def test_every_status_is_a_client_error_or_retry_later_and_every_code_is_upper_snake():
    for status, code in ERROR_STATUS.values():
        assert 400 <= status < 500 or status is HTTPStatus.SERVICE_UNAVAILABLE
        assert code.replace("_", "").isalpha() and code.isupper()


def test_no_business_refusal_is_a_race():
    # A race is decided again (four times, then 503); a refusal would meet the same answer each time.
    assert not issubclass(errors.DailyLimitReached, RaceLost)
    assert {errors.RefundExists, errors.OrderChanged, errors.PolicyChanged, errors.RequestChanged} <= subclasses(
        RaceLost
    )
