// How the console writes money and time: yuan (the API speaks fen) and China time (the API speaks UTC).
import { lang } from "./i18n";

const CHINA = "Asia/Shanghai";
const locale = () => (lang() === "zh" ? "zh-CN" : "en-GB");

export function yuan(fen: number | null | undefined): string {
  if (fen === null || fen === undefined) return "—";
  return new Intl.NumberFormat(locale(), { style: "currency", currency: "CNY", currencyDisplay: "narrowSymbol" }).format(fen / 100);
}

/** A form's yuan field as fen: whole fen, or null for an empty field. */
export function toFen(text: string): number | null {
  if (text.trim() === "") return null;
  return Math.round(Number(text) * 100);
}

export function fenToField(fen: number | null | undefined): string {
  return fen === null || fen === undefined ? "" : (fen / 100).toFixed(2);
}

export function chinaTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  return new Intl.DateTimeFormat(locale(), {
    timeZone: CHINA,
    dateStyle: "medium",
    timeStyle: "short",
  }).format(new Date(iso));
}

/** Today's China day, or `days` days before it (YYYY-MM-DD). */
export function chinaDay(daysAgo = 0): string {
  const instant = new Date(Date.now() - daysAgo * 86_400_000);
  return new Intl.DateTimeFormat("en-CA", { timeZone: CHINA }).format(instant);
}

/** A China day's first or last instant, as the API's date-time filters take them. */
export function chinaDayStart(day: string): string {
  return `${day}T00:00:00+08:00`;
}
export function chinaDayEnd(day: string): string {
  return `${day}T23:59:59.999+08:00`;
}
