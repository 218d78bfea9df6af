/**
 * Number formatting for answers: money with its currency, percentages, counts.
 * @module
 */

import { columnKind, CURRENCY_SYMBOLS as SYMBOLS, formatCell, formatMoney } from "../static/format.js";

/**
 * Formats an amount of money (shared with the chat page, static/format.js). Amounts under one
 * cent keep three significant digits so that tiny charges are not shown as zero.
 *
 * @example
 * formatMoney(1234.5, "USD") // → "$1,234.50"
 */
export { formatMoney };

/** Formats a plain number with thousands separators (at most 2 decimals). */
export function formatNumber(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return "n/a";
  return new Intl.NumberFormat("en-US", { maximumFractionDigits: Math.abs(v) < 1 && v !== 0 ? 4 : 2 }).format(v);
}

/** Formats a percentage with one decimal: `12.3%`. */
export function formatPct(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return "n/a";
  return `${v.toFixed(1)}%`;
}

/** Formats a signed change: `+$12.00` / `-$3.50`. */
export function formatDelta(v: number | null, currency: string | null): string {
  if (v === null || !Number.isFinite(v)) return "n/a";
  return (v > 0 ? "+" : "") + formatMoney(v, currency);
}

/**
 * A compact signed amount for chart labels: `+$2.2k`, `-€310`.
 *
 * @example
 * formatMoneyShort(2162.3, "USD") // → "+$2.2k"
 */
export function formatMoneyShort(v: number, currency: string | null): string {
  const a = Math.abs(v);
  const n = a >= 1000 ? `${(a / 1000).toFixed(1)}k` : a.toFixed(0);
  const sym = currency ? SYMBOLS[currency] : undefined;
  return `${v < 0 ? "-" : "+"}${sym ?? ""}${n}${sym || !currency ? "" : ` ${currency}`}`;
}

/**
 * A result as a Markdown table (the first `limit` rows), each cell formatted for its column's kind
 * (money in the currency). Cells are escaped so that data never becomes markup.
 *
 * @example
 * markdownTable({ columns: [{ name: "service", type: "VARCHAR" }, { name: "cost", type: "DOUBLE" }],
 *   rows: [["EC2", 12.5]] }, "USD")
 * // → "| service | cost |\n| --- | ---: |\n| EC2 | $12.50 |"
 */
export function markdownTable(
  rs: { columns: { name: string; type: string }[]; rows: unknown[][] },
  currency: string | null,
  limit = 15,
): string {
  const kinds = rs.columns.map((c) => columnKind(c, true));
  const numeric = kinds.map((k) => k !== "text" && k !== "date");
  const esc = (s: string) => s.replace(/[\\|`*_[\]<>#]/g, (ch) => `\\${ch}`).replace(/\s+/g, " ");
  const cell = (v: unknown, i: number) => typeof v === "string" ? esc(v) : formatCell(v, kinds[i], currency);
  const lines = [
    `| ${rs.columns.map((c) => esc(c.name)).join(" | ")} |`,
    `| ${numeric.map((n) => (n ? "---:" : "---")).join(" | ")} |`,
    ...rs.rows.slice(0, limit).map((r) => `| ${r.map(cell).join(" | ")} |`),
  ];
  if (rs.rows.length > limit) lines.push(`\n_${rs.rows.length - limit} more rows in the result table._`);
  return lines.join("\n");
}
