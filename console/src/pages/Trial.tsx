// A trial of the policy in the form on the merchant's own history: started (202), then read until it is done.
import { useState } from "preact/hooks";
import { api, ApiError, ok, untilDone, type Schemas } from "../api";
import { yuan } from "../format";
import { t } from "../i18n";
import { Field, Problem, Scroll } from "../ui";

export function TrialPanel(props: {
  merchantId: string;
  candidate: () => Schemas["AutoRefundPolicy"];
  failed: (error: unknown) => void;
  defaultFrom: string;
  defaultTo: string;
}) {
  const [from, setFrom] = useState(props.defaultFrom);
  const [to, setTo] = useState(props.defaultTo);
  const [trial, setTrial] = useState<Schemas["TrialView"] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const path = { merchant_id: props.merchantId };

  const start = async (event: Event) => {
    event.preventDefault();
    setError(null);
    setTrial(null);
    let started: Schemas["TrialView"];
    try {
      started = ok(
        await api.POST("/merchants/{merchant_id}/auto-refund-policy/trials", {
          params: { path },
          body: { policy: props.candidate(), from, to },
        }),
      );
    } catch (failure) {
      const aboutThePolicy = failure instanceof ApiError && Object.keys(failure.fields).some((f) => f.startsWith("body.policy"));
      if (aboutThePolicy) props.failed(failure); // the policy's fields are the form's: it shows them at each
      else setError(failure); // the period, or anything else: here
      return;
    }
    setTrial(started);
    const trialPath = { ...path, trial_id: started.trial_id };
    try {
      setTrial(
        await untilDone(started, async () =>
          ok(await api.GET("/merchants/{merchant_id}/auto-refund-policy/trials/{trial_id}", { params: { path: trialPath } })),
        ),
      );
    } catch (failure) {
      setError(failure);
    }
  };

  return (
    <section aria-labelledby="trial">
      <h2 id="trial">{t("trial")}</h2>
      <p class="hint">{t("trialHelp")}</p>
      <form class="row" onSubmit={start}>
        <Field label={t("fromDay")}>{(a) => <input {...a} type="date" value={from} onChange={(e) => setFrom(e.currentTarget.value)} />}</Field>
        <Field label={t("toDay")}>{(a) => <input {...a} type="date" value={to} onChange={(e) => setTo(e.currentTarget.value)} />}</Field>
        <button type="submit">{t("startTrial")}</button>
      </form>
      {error !== null && <Problem error={error} />}
      <div aria-live="polite">
        {trial?.status === "RUNNING" && <p role="status">{t("trialRunning")}</p>}
        {trial?.status === "FAILED" && <p role="alert">{t("trialFailed")}</p>}
        {trial?.status === "READY" && trial.result && <TrialResult result={trial.result} />}
      </div>
    </section>
  );
}

function TrialResult({ result }: { result: Schemas["TrialResult"] }) {
  const change = (c: Schemas["Changes"]) =>
    `${c.decisions ?? 0} · ${yuan(c.amount_fen ?? 0)}${c.example_order_ids?.length ? ` (${c.example_order_ids.join(", ")})` : ""}`;
  return (
    <>
      <p>
        {t("decisions")}: {result.decisions}
      </p>
      <Scroll name={t("rules")}>
        <table>
          <caption>{t("rules")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("rule")}</th>
              <th scope="col" class="number">{t("requests")}</th>
              <th scope="col" class="number">{t("autoRefunded")}</th>
              <th scope="col" class="number">{t("toReview")}</th>
            </tr>
          </thead>
          <tbody>
            {result.rules.map((rule) => (
              <tr>
                <th scope="row">{rule.rule_id ?? t("noRuleHeld")}</th>
                <td class="number">
                  {rule.requests.count ?? 0} · {yuan(rule.requests.amount_fen ?? 0)}
                </td>
                <td class="number">
                  {rule.auto_refunded.count ?? 0} · {yuan(rule.auto_refunded.amount_fen ?? 0)}
                </td>
                <td class="number">
                  {rule.to_review.count ?? 0} · {yuan(rule.to_review.amount_fen ?? 0)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Scroll>
      <dl class="summary">
        <dt>{t("autoToReview")}</dt>
        <dd>{change(result.auto_refunded_to_review)}</dd>
        <dt>{t("reviewToAuto")}</dt>
        <dd>{change(result.review_to_auto_refunded)}</dd>
        <dt>{t("limitBoundOn")}</dt>
        <dd>{result.daily_limit_bound_on.join(", ") || t("none")}</dd>
      </dl>
    </>
  );
}
