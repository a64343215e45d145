// Refunds as the workbench, a buyer's page and the escalated list show them: each row opens the refund's page.
import type { Schemas } from "../api";
import { chinaTime, yuan } from "../format";
import { label, t } from "../i18n";
import { href } from "../router";
import { Scroll } from "../ui";

export function RefundTable({ items, showMerchant = false }: { items: Schemas["RefundView"][]; showMerchant?: boolean }) {
  return (
    <Scroll name={t("refunds")}>
      <table>
        <thead>
          <tr>
            <th scope="col">{t("requested")}</th>
            <th scope="col">{t("order")}</th>
            {showMerchant && <th scope="col">{t("merchantId")}</th>}
            <th scope="col" class="number">{t("amount")}</th>
            <th scope="col">{t("route")}</th>
            <th scope="col">{t("status")}</th>
            <th scope="col">{t("rule")}</th>
            <th scope="col">{t("reasons")}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((refund) => (
            <tr>
              <td>{chinaTime(refund.requested_at)}</td>
              <td>
                <a href={href(["orders", refund.order_id, "refunds", refund.refund_id])}>{refund.order_id}</a>
              </td>
              {showMerchant && <td>{refund.merchant_id}</td>}
              <td class="number">{yuan(refund.amount_fen)}</td>
              <td>{label(refund.route)}</td>
              <td>{label(refund.status)}</td>
              <td>{refund.policy_rule_id ?? "—"}</td>
              <td>{refund.reasons.map(label).join(", ") || "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Scroll>
  );
}
