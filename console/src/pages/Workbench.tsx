// The after-sales workbench: a merchant's refunds newest first, filtered by route, status, days and rule.
import { useState } from "preact/hooks";
import { api, ok } from "../api";
import { ROUTES, STATUSES } from "../codes";
import { chinaDayEnd, chinaDayStart } from "../format";
import { t } from "../i18n";
import { go, href, type Location } from "../router";
import { Field, Options, Page, useLoad } from "../ui";
import { RefundTable } from "./RefundTable";

export function Workbench({ merchantId, here }: { merchantId: string; here: Location }) {
  const q = here.query;
  const filters = {
    route: q.get("route") ?? "",
    status: q.get("status") ?? "",
    from: q.get("from") ?? "",
    to: q.get("to") ?? "",
    rule: q.get("rule") ?? "",
  };
  const cursor = q.get("cursor");
  const [loaded, retry] = useLoad(
    async () =>
      ok(
        await api.GET("/merchants/{merchant_id}/refunds", {
          params: {
            path: { merchant_id: merchantId },
            query: {
              route: (filters.route || undefined) as (typeof ROUTES)[number] | undefined,
              status: (filters.status || undefined) as (typeof STATUSES)[number] | undefined,
              from: filters.from ? chinaDayStart(filters.from) : undefined,
              to: filters.to ? chinaDayEnd(filters.to) : undefined,
              policy_rule_id: filters.rule || undefined,
              cursor: cursor ?? undefined,
              limit: 20,
            },
          },
        }),
      ),
    [merchantId, q.toString()],
  );
  const [draft, setDraft] = useState(filters);
  const apply = (event: Event) => {
    event.preventDefault();
    go(href(["merchants", merchantId, "refunds"], draft));
  };
  const set = (name: keyof typeof draft) => (event: Event) =>
    setDraft({ ...draft, [name]: (event.currentTarget as HTMLInputElement).value });

  return (
    <Page title={`${t("workbench")} · ${merchantId}`} loaded={loaded} retry={retry}>
      {(page) => (
        <>
          <form class="filters" aria-label={t("filters")} onSubmit={apply}>
            <Field label={t("route")}>
              {(a) => (
                <select {...a} value={draft.route} onChange={set("route")}>
                  <Options values={ROUTES} all />
                </select>
              )}
            </Field>
            <Field label={t("status")}>
              {(a) => (
                <select {...a} value={draft.status} onChange={set("status")}>
                  <Options values={STATUSES} all />
                </select>
              )}
            </Field>
            <Field label={t("fromDay")}>{(a) => <input {...a} type="date" value={draft.from} onChange={set("from")} />}</Field>
            <Field label={t("toDay")}>{(a) => <input {...a} type="date" value={draft.to} onChange={set("to")} />}</Field>
            <Field label={t("ruleId")}>{(a) => <input {...a} value={draft.rule} onInput={set("rule")} />}</Field>
            <button type="submit">{t("apply")}</button>
          </form>
          {page.items.length === 0 ? (
            <p>{t("noRefunds")}</p>
          ) : (
            <RefundTable items={page.items} />
          )}
          <nav class="paging" aria-label="paging">
            {cursor && <a href={href(["merchants", merchantId, "refunds"], filters)}>{t("firstPage")}</a>}
            {page.next_cursor && (
              <>
                {page.items.length < 20 && <small>{t("moreMayFollow")}</small>}
                <a href={href(["merchants", merchantId, "refunds"], { ...filters, cursor: page.next_cursor })}>
                  {t("nextPage")}
                </a>
              </>
            )}
          </nav>
        </>
      )}
    </Page>
  );
}
