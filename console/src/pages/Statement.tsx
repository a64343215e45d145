// The fast-refund statement: what automatic refunds cost each China day, as a chart against the daily limit and
// as a table, with the CSV export.
import { useState } from "preact/hooks";
import { api, ok, untilDone, type Schemas } from "../api";
import { chinaDay, chinaTime, yuan } from "../format";
import { t } from "../i18n";
import { go, href, type Location } from "../router";
import { Field, Page, Problem, Scroll, useLoad } from "../ui";

type Day = Schemas["StatementDay"];
type Figures = Schemas["StatementFigures"];

export function StatementPage({ merchantId, here }: { merchantId: string; here: Location }) {
  const from = here.query.get("from") ?? chinaDay(13);
  const to = here.query.get("to") ?? chinaDay();
  const path = { merchant_id: merchantId };
  const [loaded, reload] = useLoad(
    async () => ok(await api.GET("/merchants/{merchant_id}/fast-refund-statement", { params: { path, query: { from, to } } })),
    [merchantId, from, to],
  );
  const [draft, setDraft] = useState({ from, to });
  const show = (event: Event) => {
    event.preventDefault();
    go(href(["merchants", merchantId, "statement"], draft));
  };
  return (
    <Page title={`${t("statement")} · ${merchantId}`} loaded={loaded} retry={reload}>
      {(statement) => (
        <>
          <form class="row" aria-label={t("period")} onSubmit={show}>
            <Field label={t("fromDay")}>
              {(a) => <input {...a} type="date" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.currentTarget.value })} />}
            </Field>
            <Field label={t("toDay")}>
              {(a) => <input {...a} type="date" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.currentTarget.value })} />}
            </Field>
            <button type="submit">{t("show")}</button>
          </form>
          <p class="hint">
            {t("asOf")} {chinaTime(statement.as_of)}
          </p>
          <Chart days={statement.days} />
          <Table days={statement.days} totals={statement.totals} />
          <Export merchantId={merchantId} from={from} to={to} />
        </>
      )}
    </Page>
  );
}

const WIDTH = 960;
const HEIGHT = 240;
const AXIS = 64;

function Chart({ days }: { days: Day[] }) {
  const top = Math.max(1, ...days.flatMap((d) => [d.auto_refunded.platform.amount_fen ?? 0, d.auto_refunded.merchant_policy.amount_fen ?? 0, d.daily_limit.limit_fen ?? 0]));
  const slot = (WIDTH - AXIS) / Math.max(days.length, 1);
  const bar = Math.max(2, slot * 0.35);
  const y = (fen: number) => HEIGHT - 20 - (fen / top) * (HEIGHT - 40);
  const described = days
    .map(
      (d) =>
        `${d.date}: ${t("platform")} ${yuan(d.auto_refunded.platform.amount_fen)}, ${t("merchantPolicy")} ${yuan(d.auto_refunded.merchant_policy.amount_fen)}` +
        (d.daily_limit.limit_fen ? `, ${t("dailyLimit")} ${yuan(d.daily_limit.limit_fen)}` : ""),
    )
    .join("; ");
  return (
    <figure class="chart">
      <svg role="img" aria-label={`${t("chartLabel")}. ${described}`} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} preserveAspectRatio="xMidYMid meet">
        <line x1={AXIS} x2={WIDTH} y1={y(0)} y2={y(0)} class="axis" />
        <text x={AXIS - 6} y={y(top) + 4} class="tick">{yuan(top)}</text>
        <text x={AXIS - 6} y={y(0) + 4} class="tick">{yuan(0)}</text>
        {days.map((d, n) => {
          const x = AXIS + n * slot + slot * 0.15;
          const platform = d.auto_refunded.platform.amount_fen ?? 0;
          const policy = d.auto_refunded.merchant_policy.amount_fen ?? 0;
          return (
            <g>
              <rect x={x} y={y(platform)} width={bar} height={y(0) - y(platform)} class="platform" />
              <rect x={x + bar} y={y(policy)} width={bar} height={y(0) - y(policy)} class="policy" />
              {d.daily_limit.limit_fen !== null && (
                <line x1={x + bar - 2} x2={x + 2 * bar + 2} y1={y(d.daily_limit.limit_fen)} y2={y(d.daily_limit.limit_fen)} class="limit" />
              )}
              {(days.length <= 16 || n % Math.ceil(days.length / 16) === 0) && (
                <text x={x + bar} y={HEIGHT - 4} class="day">{d.date.slice(5)}</text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption>
        <span class="key platform" aria-hidden="true" /> {t("platform")} <span class="key policy" aria-hidden="true" />{" "}
        {t("merchantPolicy")} <span class="key limit" aria-hidden="true" /> {t("dailyLimit")}
      </figcaption>
    </figure>
  );
}

function Row({ head, f, limit }: { head: string; f: Figures; limit?: number | null }) {
  return (
    <tr>
      <th scope="row">{head}</th>
      <td class="number">{yuan(f.auto_refunded.platform.amount_fen)} ({f.auto_refunded.platform.count ?? 0})</td>
      <td class="number">{yuan(f.auto_refunded.merchant_policy.amount_fen)} ({f.auto_refunded.merchant_policy.count ?? 0})</td>
      <td class="number">{limit === undefined ? "" : yuan(limit)}</td>
      <td class="number">{yuan(f.to_review.amount_fen)} ({f.to_review.count})</td>
      <td class="number">{yuan(f.review_outcomes.approved_amount_fen)}</td>
      <td class="number">{f.review_outcomes.rejected}</td>
      <td class="number">{f.shipments_stopped}</td>
      <td class="number">{f.parcels_after_refund.count}</td>
      <td class="number">{yuan(f.parcels_after_refund.lost_amount_fen)}</td>
      <td class="number">{yuan(f.payouts.failed.amount_fen)} ({f.payouts.failed.count ?? 0})</td>
    </tr>
  );
}

function Table({ days, totals }: { days: Day[]; totals: Figures }) {
  return (
    <Scroll name={t("statement")}>
      <table>
        <caption>{t("statement")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("date")}</th>
            <th scope="col" class="number">{t("platform")}</th>
            <th scope="col" class="number">{t("merchantPolicy")}</th>
            <th scope="col" class="number">{t("dailyLimit")}</th>
            <th scope="col" class="number">{t("toReview")}</th>
            <th scope="col" class="number">{t("approved")}</th>
            <th scope="col" class="number">{t("rejected")}</th>
            <th scope="col" class="number">{t("shipmentsStopped")}</th>
            <th scope="col" class="number">{t("parcelsAfterRefund")}</th>
            <th scope="col" class="number">{t("lostYuan")}</th>
            <th scope="col" class="number">{t("payoutsFailed")}</th>
          </tr>
        </thead>
        <tbody>
          {days.map((d) => (
            <Row head={d.final ? `${d.date} ✓` : d.date} f={d} limit={d.daily_limit.limit_fen} />
          ))}
        </tbody>
        <tfoot>
          <Row head={t("totals")} f={totals} />
        </tfoot>
      </table>
    </Scroll>
  );
}

function Export({ merchantId, from, to }: { merchantId: string; from: string; to: string }) {
  const [file, setFile] = useState<Schemas["ExportView"] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const path = { merchant_id: merchantId };
  const start = async () => {
    setError(null);
    setFile(null);
    try {
      const started = ok(await api.POST("/merchants/{merchant_id}/fast-refund-statement/exports", { params: { path }, body: { from, to } }));
      setFile(started);
      const exportPath = { ...path, export_id: started.export_id };
      setFile(
        await untilDone(started, async () =>
          ok(await api.GET("/merchants/{merchant_id}/fast-refund-statement/exports/{export_id}", { params: { path: exportPath } })),
        ),
      );
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <div class="export" aria-live="polite">
      <button type="button" onClick={start}>
        {t("exportCsv")}
      </button>{" "}
      {file?.status === "RUNNING" && <span role="status">{t("exportRunning")}</span>}
      {file?.status === "FAILED" && <span role="alert">{t("failed")}</span>}
      {file?.status === "READY" && file.url && (
        <>
          <a href={file.url} download>
            {t("downloadCsv")}
          </a>{" "}
          ({file.rows} {t("rows")}, {t("linkExpires")} {chinaTime(file.expires_at)})
        </>
      )}
      {error !== null && <Problem error={error} />}
    </div>
  );
}
