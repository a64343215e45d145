"""A merchant's settings: the fast refund service enrolment and the auto-refund policy."""

from datetime import date, datetime

from pydantic import AwareDatetime, StrictBool

from fastrefund.domain.clock import china_day, to_api
from fastrefund.domain.identity import MERCHANT_ONLY, Caller
from fastrefund.domain.models.common import Frozen
from fastrefund.domain.models.merchant import AutoRefundPolicy, MerchantSettings, PolicyUsage
from fastrefund.logic.ports import Store


class FastRefundServiceChange(Frozen):
    enabled: StrictBool


class FastRefundService(Frozen):
    enabled: bool
    updated_at: AwareDatetime | None


class TodayUsage(Frozen):
    date: date
    auto_refunded_amount_fen: int
    auto_refunded_count: int


class SettingsView(Frozen):
    merchant_id: str
    fast_refund_service: FastRefundService
    auto_refund_policy: AutoRefundPolicy | None
    today: TodayUsage

    @classmethod
    def of(cls, settings: MerchantSettings, usage: PolicyUsage) -> "SettingsView":
        updated_at = settings.fast_refund_updated_at
        return cls(
            merchant_id=settings.merchant_id,
            fast_refund_service=FastRefundService(
                enabled=settings.fast_refund_enabled, updated_at=updated_at and to_api(updated_at)
            ),
            auto_refund_policy=settings.auto_refund_policy,
            today=TodayUsage(
                date=usage.day, auto_refunded_amount_fen=usage.amount_fen, auto_refunded_count=usage.count
            ),
        )


def get_settings(merchant_id: str, caller: Caller, store: Store, now: datetime) -> SettingsView:
    caller.require_merchant(merchant_id, MERCHANT_ONLY)
    settings, usage = store.merchants.get_with_usage(merchant_id, china_day(now))
    return SettingsView.of(settings, usage)


def set_fast_refund_service(
    merchant_id: str, change: FastRefundServiceChange, caller: Caller, store: Store, now: datetime
) -> SettingsView:
    caller.require_merchant(merchant_id, MERCHANT_ONLY)
    store.merchants.set_fast_refund_service(merchant_id, change.enabled, now)
    return get_settings(merchant_id, caller, store, now)


def set_auto_refund_policy(
    merchant_id: str, policy: AutoRefundPolicy, caller: Caller, store: Store, now: datetime
) -> SettingsView:
    caller.require_merchant(merchant_id, MERCHANT_ONLY)
    version = store.merchants.set_auto_refund_policy(merchant_id, policy, now)
    if policy.enabled:  # deal today's rooms under it now, before the next wave of refunds meets them undealt
        store.usage.open_day(merchant_id, china_day(now), policy, version)
    return get_settings(merchant_id, caller, store, now)
