// A refund's page: its life as a timeline, the review's actions while it waits, and the parcel that left after it.
import { useState } from "preact/hooks";
import { api, ApiError, ok, type Schemas } from "../api";
import { PARCEL_OUTCOMES, REJECTION_REASONS } from "../codes";
import { chinaTime, yuan } from "../format";
import { label, t } from "../i18n";
import { type Role } from "../session";
import { Field, NotFound, Options, Page, Problem, useAction, useLoad } from "../ui";

type Refund = Schemas["RefundView"];

export function RefundPage({ orderId, refundId, role }: { orderId: string; refundId: string; role: Role }) {
  const [loaded, reload] = useLoad(
    async () => ok(await api.GET("/orders/{order_id}/refund-requests", { params: { path: { order_id: orderId } } })),
    [orderId],
  );
  return (
    <Page title={`${t("refund")} · ${orderId}`} loaded={loaded} retry={reload}>
      {({ refund_requests }) => {
        const refund = refund_requests.find((r) => r.refund_id === refundId);
        if (!refund) return <NotFound />;
        return (
          <>
            <Summary refund={refund} />
            <Life refund={refund} />
            <Actions refund={refund} role={role} changed={reload} />
            {(refund.status === "AUTO_REFUNDED" || refund.status === "APPROVED") && <Parcel orderId={orderId} />}
          </>
        );
      }}
    </Page>
  );
}

function Summary({ refund }: { refund: Refund }) {
  return (
    <dl class="summary">
      <dt>{t("status")}</dt>
      <dd>{label(refund.status)}</dd>
      <dt>{t("amount")}</dt>
      <dd>{yuan(refund.amount_fen)}</dd>
      <dt>{t("route")}</dt>
      <dd>{label(refund.route)}</dd>
      <dt>{t("buyerReason")}</dt>
      <dd>{label(refund.reason_code)}</dd>
      <dt>{t("rule")}</dt>
      <dd>{refund.policy_rule_id ?? "—"}</dd>
      <dt>{t("ruleVersion")}</dt>
      <dd>{refund.rule_version}</dd>
    </dl>
  );
}

function Life({ refund }: { refund: Refund }) {
  const steps: [string | null | undefined, string][] = [
    [refund.requested_at, t("requested")],
    [
      refund.decided_at,
      refund.status === "AUTO_REFUNDED"
        ? t("autoRefundedEvent")
        : `${t("sentToReview")}: ${refund.reasons.map(label).join(", ")}`,
    ],
    [refund.escalated_at, t("escalatedAt")],
    [refund.resolution?.at, refund.resolution ? resolution(refund.status, refund.resolution) : ""],
    [refund.payout?.updated_at, refund.payout ? payout(refund.payout) : ""],
  ];
  return (
    <section aria-labelledby="life">
      <h2 id="life">{t("life")}</h2>
      <ol class="timeline">
        {steps
          .filter(([at]) => at)
          .map(([at, what]) => (
            <li>
              <time dateTime={at!}>{chinaTime(at)}</time> {what}
            </li>
          ))}
        {refund.status === "PENDING_REVIEW" && refund.review_deadline && (
          <li class="future">
            <time dateTime={refund.review_deadline}>{chinaTime(refund.review_deadline)}</time> {t("reviewDeadline")}
          </li>
        )}
      </ol>
    </section>
  );
}

const resolution = (status: string, r: Schemas["ResolutionView"]) =>
  `${label(status)} · ${t("resolvedBy")} ${label(r.by)}` +
  (r.reason_code ? ` · ${label(r.reason_code)}` : "") +
  (r.message ? ` · “${r.message}”` : "");

const payout = (p: Schemas["PayoutView"]) =>
  `${t("payout")}: ${label(p.status)}${p.failure_code ? ` (${p.failure_code})` : ""} · ${p.attempts} ${t("attempts")}`;

function Actions({ refund, role, changed }: { refund: Refund; role: Role; changed: () => void }) {
  const [error, act] = useAction(changed);
  const [reason, setReason] = useState<Schemas["RejectionReason"]>("BUYER_AGREED_TO_KEEP");
  const [message, setMessage] = useState("");
  const path = { order_id: refund.order_id, refund_id: refund.refund_id };
  const approve = act(async () =>
    ok(await api.POST("/orders/{order_id}/refund-requests/{refund_id}/approve", { params: { path } })),
  );
  const reject = act(async () =>
    ok(
      await api.POST("/orders/{order_id}/refund-requests/{refund_id}/reject", {
        params: { path },
        body: { reason_code: reason, message: message || null },
      }),
    ),
  );
  const retryPayout = act(async () =>
    ok(await api.POST("/orders/{order_id}/refund-requests/{refund_id}/payout-retries", { params: { path } })),
  );
  const fields = error instanceof ApiError ? error.fields : {};
  const inReview = refund.status === "PENDING_REVIEW";
  const arbitrable = role === "ops" && refund.status === "REJECTED";
  const payoutFailed = role === "ops" && refund.payout?.status === "FAILED";
  if (!inReview && !arbitrable && !payoutFailed) return null;
  return (
    <section aria-labelledby="actions">
      <h2 id="actions">{inReview ? t("sentToReview") : t("opsHome")}</h2>
      {error !== null && <Problem error={error} />}
      {(inReview || arbitrable) && (
        <button type="button" class="primary" onClick={approve}>
          {inReview ? t("approve") : t("approveArbitration")}
        </button>
      )}
      {inReview && (
        <form class="reject" onSubmit={reject}>
          <Field label={t("rejectReason")} error={fields["body.reason_code"]}>
            {(a) => (
              <select {...a} value={reason} onChange={(e) => setReason(e.currentTarget.value as typeof reason)}>
                <Options values={REJECTION_REASONS} />
              </select>
            )}
          </Field>
          <Field label={t("rejectMessage")} error={fields["body.message"] ?? fields.body}>
            {(a) => <textarea {...a} maxLength={200} value={message} onInput={(e) => setMessage(e.currentTarget.value)} />}
          </Field>
          <button type="submit">{t("reject")}</button>
        </form>
      )}
      {payoutFailed && (
        <button type="button" onClick={retryPayout}>
          {t("retryPayout")}
        </button>
      )}
    </section>
  );
}

function Parcel({ orderId }: { orderId: string }) {
  const path = { order_id: orderId };
  const [loaded, reload] = useLoad(async () => {
    const answer = await api.GET("/orders/{order_id}/parcel-after-refund", { params: { path } });
    return answer.response.status === 404 ? null : ok(answer);
  }, [orderId]);
  const [error, act] = useAction(reload);
  const [draft, setDraft] = useState({ carrier: "", tracking_number: "", shipped_at: "" });
  const [outcome, setOutcome] = useState<Schemas["ParcelOutcome"]>("INTERCEPTED");
  const record = act(async () => {
    const shipped = draft.shipped_at ? new Date(`${draft.shipped_at}:00+08:00`).toISOString() : "";
    ok(await api.POST("/orders/{order_id}/parcel-after-refund", { params: { path }, body: { ...draft, shipped_at: shipped } }));
  });
  const recordOutcome = act(async () =>
    ok(await api.PUT("/orders/{order_id}/parcel-after-refund", { params: { path }, body: { outcome } })),
  );
  const fields = error instanceof ApiError ? error.fields : {};
  const set = (name: keyof typeof draft) => (event: Event) =>
    setDraft({ ...draft, [name]: (event.currentTarget as HTMLInputElement).value });
  return (
    <section aria-labelledby="parcel">
      <h2 id="parcel">{t("parcel")}</h2>
      {error !== null && <Problem error={error} />}
      {loaded.state === "ready" && loaded.data === null && (
        <form onSubmit={record}>
          <p>{t("parcelNone")}</p>
          <Field label={t("carrier")} error={fields["body.carrier"]}>
            {(a) => <input {...a} value={draft.carrier} onInput={set("carrier")} />}
          </Field>
          <Field label={t("trackingNumber")} error={fields["body.tracking_number"]}>
            {(a) => <input {...a} value={draft.tracking_number} onInput={set("tracking_number")} />}
          </Field>
          <Field label={t("shippedAt")} error={fields["body.shipped_at"]}>
            {(a) => <input {...a} type="datetime-local" value={draft.shipped_at} onInput={set("shipped_at")} />}
          </Field>
          <button type="submit">{t("recordParcel")}</button>
        </form>
      )}
      {loaded.state === "ready" && loaded.data && (
        <>
          <dl class="summary">
            <dt>{t("carrier")}</dt>
            <dd>{loaded.data.carrier}</dd>
            <dt>{t("trackingNumber")}</dt>
            <dd>{loaded.data.tracking_number}</dd>
            <dt>{t("shippedAt")}</dt>
            <dd>{chinaTime(loaded.data.shipped_at)}</dd>
            <dt>{t("outcome")}</dt>
            <dd>{loaded.data.outcome ? `${label(loaded.data.outcome)} · ${chinaTime(loaded.data.outcome_at)}` : "—"}</dd>
          </dl>
          {!loaded.data.outcome && (
            <form onSubmit={recordOutcome}>
              <Field label={t("outcome")}>
                {(a) => (
                  <select {...a} value={outcome} onChange={(e) => setOutcome(e.currentTarget.value as typeof outcome)}>
                    <Options values={PARCEL_OUTCOMES} />
                  </select>
                )}
              </Field>
              <button type="submit">{t("recordOutcome")}</button>
            </form>
          )}
        </>
      )}
    </section>
  );
}
