"""The repositories a function uses, built once per container from its environment."""

import functools
from dataclasses import dataclass

from fastrefund.platform.config import Config, settings
from fastrefund.repositories.buyers import BuyersRepository
from fastrefund.repositories.export_files import ExportFilesRepository
from fastrefund.repositories.leaked_reservations import LeakedReservationsRepository
from fastrefund.repositories.merchants import MerchantsRepository
from fastrefund.repositories.orders import OrdersRepository
from fastrefund.repositories.owed_messages import OwedMessagesRepository
from fastrefund.repositories.policy_refunds import PolicyRefundsRepository
from fastrefund.repositories.refund_lists import RefundListsRepository
from fastrefund.repositories.refunds import RefundsRepository
from fastrefund.repositories.report_records import ReportsRepository
from fastrefund.repositories.statement_shards import StatementRepository
from fastrefund.repositories.subscriptions import SubscriptionsRepository
from fastrefund.repositories.usage_reservations import DailyUsageRepository


@dataclass(frozen=True)
class Store:
    orders: OrdersRepository
    merchants: MerchantsRepository
    refunds: RefundsRepository
    subscriptions: SubscriptionsRepository
    refund_lists: RefundListsRepository
    policy_refunds: PolicyRefundsRepository
    owed_messages: OwedMessagesRepository
    usage: DailyUsageRepository
    leaked_reservations: LeakedReservationsRepository
    buyers: BuyersRepository
    reports: ReportsRepository
    export_files: ExportFilesRepository
    statement: StatementRepository


@functools.cache
def get_store() -> Store:
    config = settings(Config)
    return Store(
        orders=OrdersRepository(config.orders_table),
        merchants=MerchantsRepository(config.merchants_table, config.policy_usage_table),
        refunds=RefundsRepository(config.refunds_table, config.orders_table, config.buyers_table),
        subscriptions=SubscriptionsRepository(config.merchants_table, config.merchant_notices_topic_arn),
        refund_lists=RefundListsRepository(config.refunds_table),
        policy_refunds=PolicyRefundsRepository(config.refunds_table),
        owed_messages=OwedMessagesRepository(config.refunds_table),
        usage=DailyUsageRepository(config.policy_usage_table),
        leaked_reservations=LeakedReservationsRepository(config.policy_usage_table),
        buyers=BuyersRepository(config.buyers_table),
        reports=ReportsRepository(config.merchants_table),
        export_files=ExportFilesRepository(config.exports_bucket),
        statement=StatementRepository(config.statement_table),
    )
