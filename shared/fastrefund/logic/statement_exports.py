"""A merchant's fast-refund statement as a file: the period's refunds, one CSV row each, made in the background
(a period can hold hundreds of thousands) and fetched through a pre-signed URL of the exports bucket. Summed per
China day and route, its rows equal the statement's figures of the days they were decided on."""

import csv
import io
import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import AwareDatetime, Field

from fastrefund.domain.clock import china_day, china_days_span, to_api
from fastrefund.domain.errors import ExportNotFound
from fastrefund.domain.identity import Caller
from fastrefund.domain.models.common import ChinaPeriod, Frozen
from fastrefund.domain.models.refund import Refund
from fastrefund.domain.models.reports import EXPORT_URL_SECONDS, ReportStatus, StatementExport
from fastrefund.logic.ports import ExportFiles, Store
from fastrefund.logic.statement import require_statement_reader

COLUMNS = (
    "refund_id", "order_id", "decided_at", "china_day", "route", "status", "amount_fen", "reasons",
    "policy_rule_id", "resolution_by", "resolved_at", "payout_status", "parcel_after_refund",
)  # fmt: skip


class ExportRun(Frozen):
    """The message that hands an export to its background run."""

    kind: Literal["statement_export"] = "statement_export"
    merchant_id: str
    export_id: str


class ExportView(Frozen):
    export_id: str
    merchant_id: str
    status: ReportStatus = Field(description="RUNNING, then READY with its url (FAILED: it did not finish)")
    first_day: date = Field(serialization_alias="from")
    last_day: date = Field(serialization_alias="to")
    requested_at: AwareDatetime
    finished_at: AwareDatetime | None
    rows: int | None = Field(description="the refunds in the file, once READY")
    url: str | None = Field(description="once READY: fetches the CSV file (UTF-8, a header row) until expires_at")
    expires_at: AwareDatetime | None

    @classmethod
    def of(cls, export: StatementExport, files: ExportFiles, now: datetime) -> "ExportView":
        """The export as its caller reads it at `now`: once READY, with a URL of its file handed out now."""
        key = export.object_key if export.status is ReportStatus.READY else None
        filename = f"fast-refunds-{export.merchant_id}-{export.first_day}-{export.last_day}.csv"
        return cls(
            export_id=export.export_id,
            merchant_id=export.merchant_id,
            status=export.status_at(now),
            first_day=export.first_day,
            last_day=export.last_day,
            requested_at=to_api(export.requested_at),
            finished_at=to_api(export.finished_at) if export.finished_at else None,
            rows=export.rows,
            url=files.url(key, filename) if key else None,
            expires_at=to_api(now + timedelta(seconds=EXPORT_URL_SECONDS)) if key else None,
        )


def start_export(merchant_id: str, period: ChinaPeriod, caller: Caller, store: Store, now: datetime) -> StatementExport:
    require_statement_reader(merchant_id, caller, store)
    export = StatementExport(
        export_id=str(uuid.uuid4()),
        merchant_id=merchant_id,
        status=ReportStatus.RUNNING,
        first_day=period.first_day,
        last_day=period.last_day,
        requested_at=now,
        requested_by=caller.sub,
    )
    store.reports.add(export)
    return export


def run_export(run: ExportRun, store: Store, files: ExportFiles, now: datetime) -> StatementExport | None:
    """Write the period's refunds to the export's file and mark it READY; None when there is nothing to run
    (unknown, or finished already: a message delivered twice)."""
    running = store.reports.get(StatementExport, run.merchant_id, run.export_id)
    if running is None or running.status is not ReportStatus.RUNNING:
        return None
    refunds = sorted(
        store.refund_lists.decided_between(run.merchant_id, *china_days_span(running.first_day, running.last_day)),
        key=lambda refund: (refund.decided_at, refund.refund_id),
    )
    key = f"exports/{run.merchant_id}/{run.export_id}.csv"
    files.put(key, csv_of(refunds))
    finished = running.model_copy(
        update={"status": ReportStatus.READY, "object_key": key, "rows": len(refunds), "finished_at": now}
    )
    return finished if store.reports.finish(finished) else None


def csv_of(refunds: Iterable[Refund]) -> bytes:
    """The refunds as CSV rows under a header row (UTF-8; instants in China time; reasons joined by ';')."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for refund in refunds:
        resolution, payout, parcel = refund.resolution, refund.payout, refund.parcel_after_refund
        writer.writerow(
            [
                refund.refund_id, refund.order_id, to_api(refund.decided_at).isoformat(),
                china_day(refund.decided_at).isoformat(), refund.route or "", refund.status, refund.amount_fen,
                ";".join(refund.reasons), refund.policy_rule_id or "", resolution.by if resolution else "",
                to_api(resolution.at).isoformat() if resolution else "", payout.status if payout else "",
                (parcel.outcome or "OPEN") if parcel else "",
            ]
        )  # fmt: skip
    return out.getvalue().encode("utf-8")


def get_export(
    merchant_id: str, export_id: str, caller: Caller, store: Store, files: ExportFiles, now: datetime
) -> ExportView:
    require_statement_reader(merchant_id, caller, store)
    export = store.reports.get(StatementExport, merchant_id, export_id)
    if export is None:
        raise ExportNotFound(export_id)
    return ExportView.of(export, files, now)
