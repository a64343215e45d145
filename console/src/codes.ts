// The API's codes the pages offer in their selects. Typed by the generated schema: a code the contract drops
// fails the build here.
import type { Schemas } from "./api";

export const ROUTES: Schemas["Route"][] = ["PLATFORM_FAST_REFUND", "MERCHANT_AUTO_REFUND"];
export const STATUSES: Schemas["RefundStatus"][] = ["PENDING_REVIEW", "AUTO_REFUNDED", "APPROVED", "REJECTED", "CANCELLED"];
export const REASON_CODES: Schemas["RefundReasonCode"][] = [
  "NO_LONGER_WANTED",
  "ORDERED_BY_MISTAKE",
  "WRONG_ITEM_OR_QUANTITY",
  "WRONG_ADDRESS_OR_PHONE",
  "DELIVERY_TOO_SLOW",
  "OTHER",
];
export const REJECTION_REASONS: Schemas["RejectionReason"][] = ["BUYER_AGREED_TO_KEEP", "ALREADY_SHIPPED", "OTHER"];
export const PRODUCT_TYPES: Schemas["ProductType"][] = ["PHYSICAL", "VIRTUAL", "CUSTOM_MADE"];
export const RULE_ACTIONS: Schemas["RuleAction"][] = ["AUTO_REFUND", "REVIEW"];
export const SCOPE_MODES: Schemas["ScopeMode"][] = ["ALL", "INCLUDE", "EXCLUDE"];
export const PARCEL_OUTCOMES: Schemas["ParcelOutcome"][] = ["INTERCEPTED", "RETURNED", "LOST"];
