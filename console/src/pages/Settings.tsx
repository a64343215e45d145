// Settings: enrolment in the platform's service, today's usage, and the merchant's own policy with its rules,
// edited with the API's validation errors at their fields, and tried on history before it is saved.
import { useState } from "preact/hooks";
import { api, ApiError, ok, type Schemas } from "../api";
import { PRODUCT_TYPES, REASON_CODES, RULE_ACTIONS, SCOPE_MODES } from "../codes";
import { chinaDay, fenToField, toFen, yuan } from "../format";
import { label, t } from "../i18n";
import { Field, Options, Page, Problem, useLoad } from "../ui";
import { TrialPanel } from "./Trial";

type Policy = Schemas["AutoRefundPolicy"];
type Settings = Schemas["SettingsView"];

export function SettingsPage({ merchantId }: { merchantId: string }) {
  const path = { merchant_id: merchantId };
  const [loaded, reload] = useLoad(
    async () => ok(await api.GET("/merchants/{merchant_id}/settings", { params: { path } })),
    [merchantId],
  );
  return (
    <Page title={`${t("settings")} · ${merchantId}`} loaded={loaded} retry={reload}>
      {(settings) => (
        <>
          <Enrolment settings={settings} changed={reload} />
          <Usage settings={settings} />
          <PolicyForm merchantId={merchantId} saved={settings.auto_refund_policy ?? null} changed={reload} />
        </>
      )}
    </Page>
  );
}

function Enrolment({ settings, changed }: { settings: Settings; changed: () => void }) {
  const [error, setError] = useState<unknown>(null);
  const toggle = async (event: Event) => {
    const enabled = (event.currentTarget as HTMLInputElement).checked;
    setError(null);
    try {
      ok(
        await api.PUT("/merchants/{merchant_id}/fast-refund-service", {
          params: { path: { merchant_id: settings.merchant_id } },
          body: { enabled },
        }),
      );
      changed();
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <section aria-labelledby="enrolment">
      <h2 id="enrolment">{t("enrolment")}</h2>
      {error !== null && <Problem error={error} />}
      <label class="check">
        <input type="checkbox" checked={settings.fast_refund_service.enabled} onChange={toggle} /> {t("enrolled")}
      </label>
    </section>
  );
}

function Usage({ settings }: { settings: Settings }) {
  const limit = settings.auto_refund_policy?.daily_limit_amount_fen ?? null;
  const used = settings.today.auto_refunded_amount_fen;
  return (
    <section aria-labelledby="usage">
      <h2 id="usage">{t("todayUsage")}</h2>
      <p>
        {yuan(used)} ({settings.today.auto_refunded_count}) {limit ? `${t("ofDailyLimit")} ${yuan(limit)}` : `· ${t("noDailyLimit")}`}
      </p>
      {limit && <meter aria-labelledby="usage" min={0} max={limit} value={Math.min(used, limit)} />}
    </section>
  );
}

// ------------------------------------------------------------------ the policy as a form
interface RuleDraft {
  rule_id: string;
  enabled: boolean;
  action: Schemas["RuleAction"];
  min: string;
  max: string;
  categories: string;
  product_types: Schemas["ProductType"][];
  reason_codes: Schemas["RefundReasonCode"][];
  product_ids: string;
}

interface Draft {
  enabled: boolean;
  max_refund: string;
  daily_yuan: string;
  daily_count: string;
  include_virtual: boolean;
  scope_mode: Schemas["ScopeMode"];
  scope_ids: string;
  rules: RuleDraft[];
}

const list = (text: string) => text.split(",").map((item) => item.trim()).filter(Boolean);
const orNull = <T,>(items: T[]) => (items.length ? items : null);

function draftOf(policy: Policy | null): Draft {
  return {
    enabled: policy?.enabled ?? false,
    max_refund: fenToField(policy?.max_refund_amount_fen),
    daily_yuan: fenToField(policy?.daily_limit_amount_fen),
    daily_count: policy?.daily_limit_count?.toString() ?? "",
    include_virtual: policy?.include_virtual ?? false,
    scope_mode: policy?.product_scope?.mode ?? "ALL",
    scope_ids: (policy?.product_scope?.product_ids ?? []).join(", "),
    rules: (policy?.rules ?? []).map((rule) => ({
      rule_id: rule.rule_id,
      enabled: rule.enabled ?? true,
      action: rule.action,
      min: fenToField(rule.when?.amount_fen?.min),
      max: fenToField(rule.when?.amount_fen?.max),
      categories: (rule.when?.categories ?? []).join(", "),
      product_types: rule.when?.product_types ?? [],
      reason_codes: rule.when?.reason_codes ?? [],
      product_ids: (rule.when?.product_ids ?? []).join(", "),
    })),
  };
}

/** The policy the form says, as the API takes it (yuan to fen; an empty condition is absent). */
function policyOf(draft: Draft, saved: Policy | null): Policy {
  const count = draft.daily_count.trim() === "" ? null : Number(draft.daily_count);
  return {
    ...saved,
    enabled: draft.enabled,
    max_refund_amount_fen: toFen(draft.max_refund) ?? 0,
    daily_limit_amount_fen: toFen(draft.daily_yuan),
    daily_limit_count: count,
    include_virtual: draft.include_virtual,
    product_scope: { mode: draft.scope_mode, product_ids: list(draft.scope_ids) },
    rules: draft.rules.map((rule) => ({
      rule_id: rule.rule_id,
      enabled: rule.enabled,
      action: rule.action,
      when: {
        amount_fen: rule.min || rule.max ? { min: toFen(rule.min), max: toFen(rule.max) } : null,
        categories: orNull(list(rule.categories)),
        product_types: orNull(rule.product_types),
        reason_codes: orNull(rule.reason_codes),
        product_ids: orNull(list(rule.product_ids)),
      },
    })),
  };
}

/** The API's field names (`body.rules.0.when.amount_fen`, or `body.policy.…` for a trial) as the form's. */
function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError)) return {};
  const fields: Record<string, string> = {};
  for (const [field, issue] of Object.entries(error.fields)) {
    fields[field.replace(/^body\.(policy\.)?/, "")] = issue;
  }
  return fields;
}

function PolicyForm({ merchantId, saved, changed }: { merchantId: string; saved: Policy | null; changed: () => void }) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(saved));
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const errors = fieldErrors(error);
  // An error below a field (amount_fen.min, say) is shown at the field
  const at = (key: string) =>
    Object.entries(errors)
      .filter(([field]) => field === key || field.startsWith(`${key}.`))
      .map(([, issue]) => issue)
      .join("; ") || undefined;

  const update = (change: Partial<Draft>) => {
    setDraft({ ...draft, ...change });
    setDone(false);
  };
  const updateRule = (index: number, change: Partial<RuleDraft>) =>
    update({ rules: draft.rules.map((rule, n) => (n === index ? { ...rule, ...change } : rule)) });
  const text = (apply: (value: string) => void) => (event: Event) => apply((event.currentTarget as HTMLInputElement).value);
  const toggled = <T,>(items: T[], item: T) => (items.includes(item) ? items.filter((i) => i !== item) : [...items, item]);

  const save = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      ok(
        await api.PUT("/merchants/{merchant_id}/auto-refund-policy", {
          params: { path: { merchant_id: merchantId } },
          body: policyOf(draft, saved),
        }),
      );
      setDone(true);
      changed();
    } catch (failure) {
      setError(failure);
    }
  };

  return (
    <section aria-labelledby="policy">
      <h2 id="policy">{t("policy")}</h2>
      <form onSubmit={save} noValidate>
        {error !== null && (
          <PolicyProblem error={error} errors={errors} />
        )}
        <label class="check">
          <input type="checkbox" checked={draft.enabled} onChange={(e) => update({ enabled: e.currentTarget.checked })} />{" "}
          {t("policyEnabled")}
        </label>
        <div class="row">
          <Field label={t("maxRefund")} error={at("max_refund_amount_fen")}>
            {(a) => <input {...a} type="number" min="0" step="0.01" value={draft.max_refund} onInput={text((v) => update({ max_refund: v }))} />}
          </Field>
          <Field label={t("dailyLimitYuan")} error={at("daily_limit_amount_fen")}>
            {(a) => <input {...a} type="number" min="0" step="0.01" value={draft.daily_yuan} onInput={text((v) => update({ daily_yuan: v }))} />}
          </Field>
          <Field label={t("dailyLimitCount")} error={at("daily_limit_count")}>
            {(a) => <input {...a} type="number" min="1" step="1" value={draft.daily_count} onInput={text((v) => update({ daily_count: v }))} />}
          </Field>
        </div>
        <label class="check">
          <input type="checkbox" checked={draft.include_virtual} onChange={(e) => update({ include_virtual: e.currentTarget.checked })} />{" "}
          {t("includeVirtual")}
        </label>
        <div class="row">
          <Field label={t("scope")} error={at("product_scope.mode")}>
            {(a) => (
              <select {...a} value={draft.scope_mode} onChange={text((v) => update({ scope_mode: v as Draft["scope_mode"] }))}>
                {SCOPE_MODES.map((mode) => (
                  <option value={mode}>{t(`scope${mode}` as const)}</option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t("productIds")} error={at("product_scope.product_ids")}>
            {(a) => <input {...a} value={draft.scope_ids} onInput={text((v) => update({ scope_ids: v }))} />}
          </Field>
        </div>

        <fieldset class="rules">
          <legend>{t("rules")}</legend>
          <p class="hint">{t("rulesHelp")}</p>
          {at("rules") && !draft.rules.some((_, n) => at(`rules.${n}`)) && <p class="error">{at("rules")}</p>}
          {draft.rules.map((rule, n) => (
            <fieldset class="rule">
              <legend>
                {t("rule")} {n + 1}
              </legend>
              <div class="row">
                <Field label={t("ruleId")} error={at(`rules.${n}.rule_id`)}>
                  {(a) => <input {...a} value={rule.rule_id} onInput={text((v) => updateRule(n, { rule_id: v }))} />}
                </Field>
                <Field label={t("action")} error={at(`rules.${n}.action`)}>
                  {(a) => (
                    <select {...a} value={rule.action} onChange={text((v) => updateRule(n, { action: v as RuleDraft["action"] }))}>
                      <Options values={RULE_ACTIONS} />
                    </select>
                  )}
                </Field>
                <label class="check">
                  <input type="checkbox" checked={rule.enabled} onChange={(e) => updateRule(n, { enabled: e.currentTarget.checked })} />{" "}
                  {t("ruleEnabled")}
                </label>
              </div>
              <div class="row">
                <Field label={t("amountMin")} error={at(`rules.${n}.when.amount_fen`)}>
                  {(a) => <input {...a} type="number" min="0" step="0.01" value={rule.min} onInput={text((v) => updateRule(n, { min: v }))} />}
                </Field>
                <Field label={t("amountMax")} error={at(`rules.${n}.when.amount_fen`)}>
                  {(a) => <input {...a} type="number" min="0" step="0.01" value={rule.max} onInput={text((v) => updateRule(n, { max: v }))} />}
                </Field>
                <Field label={t("categories")} error={at(`rules.${n}.when.categories`)}>
                  {(a) => <input {...a} value={rule.categories} onInput={text((v) => updateRule(n, { categories: v }))} />}
                </Field>
              </div>
              <Choices
                legend={t("productTypes")}
                values={PRODUCT_TYPES}
                chosen={rule.product_types}
                error={at(`rules.${n}.when.product_types`)}
                toggle={(v) => updateRule(n, { product_types: toggled(rule.product_types, v) })}
              />
              <Choices
                legend={t("reasonCodes")}
                values={REASON_CODES}
                chosen={rule.reason_codes}
                error={at(`rules.${n}.when.reason_codes`)}
                toggle={(v) => updateRule(n, { reason_codes: toggled(rule.reason_codes, v) })}
              />
              <Field label={t("productIds")} error={at(`rules.${n}.when.product_ids`)}>
                {(a) => <input {...a} value={rule.product_ids} onInput={text((v) => updateRule(n, { product_ids: v }))} />}
              </Field>
              <div class="buttons">
                {n > 0 && (
                  <button
                    type="button"
                    aria-label={`${t("moveUp")}: ${t("rule")} ${n + 1}`}
                    onClick={() => update({ rules: [...draft.rules.slice(0, n - 1), rule, draft.rules[n - 1], ...draft.rules.slice(n + 1)] })}
                  >
                    {t("moveUp")}
                  </button>
                )}
                <button
                  type="button"
                  aria-label={`${t("removeRule")} ${n + 1}`}
                  onClick={() => update({ rules: draft.rules.filter((_, i) => i !== n) })}
                >
                  {t("removeRule")}
                </button>
              </div>
            </fieldset>
          ))}
          <button
            type="button"
            onClick={() =>
              update({
                rules: [
                  ...draft.rules,
                  {
                    rule_id: `rule-${draft.rules.length + 1}`,
                    enabled: true,
                    action: "AUTO_REFUND",
                    min: "",
                    max: "",
                    categories: "",
                    product_types: [],
                    reason_codes: [],
                    product_ids: "",
                  },
                ],
              })
            }
          >
            {t("addRule")}
          </button>
        </fieldset>
        <p>
          <button type="submit" class="primary">
            {t("savePolicy")}
          </button>{" "}
          {done && <span role="status">{t("saved")}</span>}
        </p>
      </form>
      <TrialPanel
        merchantId={merchantId}
        candidate={() => policyOf(draft, saved)}
        failed={(failure) => setError(failure)}
        defaultFrom={chinaDay(29)}
        defaultTo={chinaDay()}
      />
    </section>
  );
}

function PolicyProblem({ error, errors }: { error: unknown; errors: Record<string, string> }) {
  if (!(error instanceof ApiError && error.status === 422)) return <Problem error={error} />;
  return (
    <div role="alert" class="problem">
      <p>{t("fixErrors")}</p>
      <ul>
        {Object.entries(errors).map(([field, issue]) => (
          <li>
            <code>{field}</code>: {issue}
          </li>
        ))}
      </ul>
    </div>
  );
}

function Choices<T extends string>(props: { legend: string; values: T[]; chosen: T[]; error?: string; toggle: (value: T) => void }) {
  return (
    <fieldset class={props.error ? "choices invalid" : "choices"}>
      <legend>{props.legend}</legend>
      {props.values.map((value) => (
        <label class="check">
          <input type="checkbox" checked={props.chosen.includes(value)} onChange={() => props.toggle(value)} /> {label(value)}
        </label>
      ))}
      {props.error && <small class="error">{props.error}</small>}
    </fieldset>
  );
}
