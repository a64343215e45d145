"""The model's assumptions as numbers (each with its AWS document in bench/capacity_model.py), and what `make bench`
measured on this machine."""

from bench import measurements

PARTITION_WCU = 1000
PARTITION_RCU = 3000
KB = 1024
VCPU_MB = 1769
ACCOUNT_CONCURRENCY = 1000
API_GATEWAY_RPS = 10_000
NEW_TABLE_WCU = 4000
ROUND_TRIP_MS = 10
SNS_CALL_MS = 20
MERCHANT_CALLS = 3  # a merchant-route refund: the order with the buyer's standing, the reservation, the commit
ORDER_WRITES = [1, 2]  # an order's ORDER_PAID (1 KB or less) and its refund's commit (a transaction's 2)

# Measured on this machine by `make bench`, which records each figure in bench/measurements.json as it runs
MEASURED = measurements.load()


def cpu_ms(name: str) -> float:
    return MEASURED[name][0]


def vcpu(memory_mb: int) -> float:
    return min(memory_mb / VCPU_MB, 1.0)  # the service's code is single-threaded CPU; more vCPUs do not help it
