// The dry run of an order: would it be refunded at once for this reason, and why (or why not), route by route
// and rule by rule. Nothing is changed.
import { useState } from "preact/hooks";
import { api, ok } from "../api";
import { REASON_CODES } from "../codes";
import { yuan } from "../format";
import { label, t } from "../i18n";
import { go, href, type Location } from "../router";
import { Field, Options, Page, useLoad } from "../ui";

export function DryRunPage({ here }: { here: Location }) {
  const orderId = here.query.get("order") ?? "";
  const reason = (here.query.get("reason") ?? "OTHER") as (typeof REASON_CODES)[number];
  const [draft, setDraft] = useState({ order: orderId, reason });
  const check = (event: Event) => {
    event.preventDefault();
    go(href(["dry-run"], draft));
  };
  return (
    <section aria-labelledby="dry-run">
      <h1 id="dry-run">{t("dryRun")}</h1>
      <p class="hint">{t("dryRunHelp")}</p>
      <form class="row" onSubmit={check}>
        <Field label={t("orderId")}>
          {(a) => <input {...a} required value={draft.order} onInput={(e) => setDraft({ ...draft, order: e.currentTarget.value })} />}
        </Field>
        <Field label={t("reasonCode")}>
          {(a) => (
            <select {...a} value={draft.reason} onChange={(e) => setDraft({ ...draft, reason: e.currentTarget.value as typeof reason })}>
              <Options values={REASON_CODES} />
            </select>
          )}
        </Field>
        <button type="submit">{t("check")}</button>
      </form>
      {orderId && <Verdict orderId={orderId} reason={reason} />}
    </section>
  );
}

function Verdict({ orderId, reason }: { orderId: string; reason: (typeof REASON_CODES)[number] }) {
  const [loaded, retry] = useLoad(
    async () =>
      ok(
        await api.GET("/orders/{order_id}/fast-refund-eligibility", {
          params: { path: { order_id: orderId }, query: { reason_code: reason } },
        }),
      ),
    [orderId, reason],
  );
  return (
    <Page title={`${t("order")} ${orderId}`} loaded={loaded} retry={retry} level={2}>
      {(verdict) => (
        <>
          <p class={verdict.eligible ? "verdict yes" : "verdict no"}>
            <strong>{verdict.eligible ? t("eligible") : t("notEligible")}</strong> · {yuan(verdict.amount_fen)}
            {verdict.route && ` · ${label(verdict.route)}`}
            {verdict.policy_rule_id && ` · ${t("rule")} ${verdict.policy_rule_id}`}
          </p>
          {verdict.existing_refund_id && (
            <p>
              {t("existingRefund")}: <a href={href(["orders", orderId, "refunds", verdict.existing_refund_id])}>{verdict.existing_refund_id}</a>
            </p>
          )}
          {verdict.checks.map((route) => (
            <section aria-label={label(route.route)}>
              <h3>
                {label(route.route)}: {route.eligible ? t("eligible") : t("notEligible")}
              </h3>
              <ul>
                {route.reasons.map((r) => (
                  <li>{label(r)}</li>
                ))}
              </ul>
              {route.rules && route.rules.length > 0 && (
                <>
                  <h4>{t("rulesTried")}</h4>
                  <ul>
                    {route.rules.map((rule) => (
                      <li>
                        {rule.rule_id}: {rule.matched ? t("held") : `${t("didNotHold")} (${rule.failed.map(label).join(", ")})`}
                      </li>
                    ))}
                  </ul>
                </>
              )}
            </section>
          ))}
        </>
      )}
    </Page>
  );
}
