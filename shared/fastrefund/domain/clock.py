"""Time in the service: China calendar days, and instants stored so that they sort as text."""

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, PlainSerializer

# China has kept UTC+8 with no daylight saving since 1991, so a fixed offset is exact for every
# order this service sees and needs no tz database in the Lambda runtime.
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")


def utc_now() -> datetime:
    return datetime.now(UTC)


def lag_seconds(since: datetime | None, now: datetime) -> float:
    """How long a background promise has waited since `since` (0 when nothing waits): the lag metrics."""
    return (now - since).total_seconds() if since else 0.0


def china_day(instant: datetime) -> date:
    """The China calendar day an instant falls on (daily limits reset at 00:00 +08:00)."""
    return instant.astimezone(CHINA_TZ).date()


def start_of_china_day(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=CHINA_TZ)


def china_days_span(first: date, last: date) -> tuple[datetime, datetime]:
    """The first and the last instant of the China days `first` to `last`, both included."""
    return start_of_china_day(first), start_of_china_day(last + timedelta(days=1)) - timedelta(microseconds=1)


def to_storage(instant: datetime) -> str:
    """Fixed-width UTC text (2026-11-27T03:18:15.766000Z), so that stored instants compare and sort correctly
    as strings."""
    # isoformat rather than strftime: the same text in the service's range, and cheaper (every stored instant,
    # and every index key made of one, passes here)
    return instant.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def within_service_range(instant: datetime) -> datetime:
    """Every instant the service accepts lies in [2000-01-01, 2100-01-01] UTC: one outside it could not be
    stored in the fixed-width form (or, with its offset, not even converted to UTC)."""
    # The year is compared first: comparing year 1 at +08:00 with EARLIEST would overflow.
    if not (EARLIEST.year - 1 <= instant.year <= LATEST.year and EARLIEST <= instant <= LATEST):
        raise ValueError("must lie between 2000-01-01T00:00:00Z and 2100-01-01T00:00:00Z")
    return instant


# An instant the service accepts or stores: aware, within the service's range, and in JSON the storage
# text, so that an item is the model's model_dump(mode="json") and back (pydantic reads the text as it
# reads any ISO 8601). Every instant of a body, a query or an event is one of these.
Instant = Annotated[
    AwareDatetime,
    AfterValidator(within_service_range),
    PlainSerializer(to_storage, return_type=str, when_used="json"),
]


def to_api(instant: datetime) -> datetime:
    """What callers see: the instant in China time (ISO 8601 with its +08:00 offset, once serialized)."""
    return instant.astimezone(CHINA_TZ)
