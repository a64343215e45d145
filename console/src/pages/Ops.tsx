// Operations' pages: open any merchant or buyer, and the requests escalated to arbitration.
import { useState } from "preact/hooks";
import { api, ok } from "../api";
import { yuan } from "../format";
import { t } from "../i18n";
import { go, href, type Location } from "../router";
import { Field, Page, useLoad } from "../ui";
import { RefundTable } from "./RefundTable";

export function OpsHome() {
  const [merchant, setMerchant] = useState("");
  const [buyer, setBuyer] = useState("");
  return (
    <section aria-labelledby="ops">
      <h1 id="ops">{t("opsHome")}</h1>
      <form class="row" aria-label={t("openMerchant")} onSubmit={(e) => (e.preventDefault(), go(href(["merchants", merchant, "refunds"])))}>
        <Field label={t("merchantId")}>{(a) => <input {...a} required value={merchant} onInput={(e) => setMerchant(e.currentTarget.value)} />}</Field>
        <button type="submit">{t("openMerchant")}</button>
      </form>
      <form class="row" aria-label={t("openBuyer")} onSubmit={(e) => (e.preventDefault(), go(href(["buyers", buyer])))}>
        <Field label={t("buyerId")}>{(a) => <input {...a} required value={buyer} onInput={(e) => setBuyer(e.currentTarget.value)} />}</Field>
        <button type="submit">{t("openBuyer")}</button>
      </form>
      <p>
        <a href={href(["escalated"])}>{t("escalated")}</a>
      </p>
    </section>
  );
}

export function BuyerPage({ buyerId, here }: { buyerId: string; here: Location }) {
  const cursor = here.query.get("cursor");
  const [loaded, retry] = useLoad(
    async () =>
      ok(
        await api.GET("/buyers/{buyer_id}/refund-requests", {
          params: { path: { buyer_id: buyerId }, query: { cursor: cursor ?? undefined } },
        }),
      ),
    [buyerId, cursor],
  );
  return (
    <Page title={`${t("buyerRequests")} · ${buyerId}`} loaded={loaded} retry={retry}>
      {(page) => (
        <>
          <dl class="summary">
            {page.usage && (
              <>
                <dt>
                  {t("autoRefundsInWindow")} ({page.usage.window_days} {t("days")})
                </dt>
                <dd>
                  {page.usage.auto_refunds}
                  {page.usage.max_auto_refunds !== null && ` / ${page.usage.max_auto_refunds}`} · {yuan(page.usage.auto_refund_fen)}
                  {page.usage.max_auto_refund_fen !== null && ` / ${yuan(page.usage.max_auto_refund_fen)}`}
                </dd>
              </>
            )}
            <dt>{t("riskFlag")}</dt>
            <dd>{page.flag?.flagged ? `${t("flagged")}${page.flag.reason_code ? ` (${page.flag.reason_code})` : ""}` : t("notFlagged")}</dd>
          </dl>
          <RefundTable items={page.items} showMerchant />
          {page.next_cursor && (
            <nav class="paging" aria-label="paging">
              <a href={href(["buyers", buyerId], { cursor: page.next_cursor })}>{t("nextPage")}</a>
            </nav>
          )}
        </>
      )}
    </Page>
  );
}

export function EscalatedPage({ here }: { here: Location }) {
  const cursor = here.query.get("cursor");
  const [loaded, retry] = useLoad(
    async () => ok(await api.GET("/escalated-refund-requests", { params: { query: { cursor: cursor ?? undefined } } })),
    [cursor],
  );
  return (
    <Page title={t("escalated")} loaded={loaded} retry={retry}>
      {(page) => (
        <>
          {page.items.length === 0 ? <p>{t("noEscalated")}</p> : <RefundTable items={page.items} showMerchant />}
          {page.next_cursor && (
            <nav class="paging" aria-label="paging">
              <a href={href(["escalated"], { cursor: page.next_cursor })}>{t("nextPage")}</a>
            </nav>
          )}
        </>
      )}
    </Page>
  );
}
