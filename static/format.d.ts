/** How a result column reads. */
export type ColumnKind = "money" | "percent" | "count" | "quantity" | "score" | "date" | "text";

/** A column's kind; `moneyMeasure` says whether the answer's measure is money. */
export function columnKind(column: { name: string; type: string }, moneyMeasure: boolean): ColumnKind;
/** One cell as text for its column's kind. */
export function formatCell(
  value: unknown,
  kind: ColumnKind,
  currency: string | null,
  locale?: string,
  unit?: string | null,
): string;
/** The index of the column naming a quantity's unit (ConsumedUnit, PricingUnit), or -1. */
export function unitColumn(columns: { name: string }[]): number;
/** Currencies written with a symbol. */
export const CURRENCY_SYMBOLS: Readonly<Record<string, string>>;
/** An amount of money in its currency ("n/a" for no number). */
export function formatMoney(value: number | null, currency: string | null, locale?: string): string;
/** An answer's text split into its findings and its method paragraphs. */
export function splitMethod(markdown: string): { findings: string; method: string };
