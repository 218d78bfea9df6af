// @ts-self-types="./format.d.ts"
/**
 * How result columns read: each column's kind (money in the answer's currency, percent, count,
 * quantity, score, date, text), and one cell formatter for them. Shared by the
 * chat page and the Markdown export, so a number looks the same in both. Pure functions.
 * @module
 */

/** Numbers that are money when the measure is money (the agent's own value columns). */
const MONEY_WORDS =
  /cost|spend|amount|price|charge|budget|saving|forecast|^(lo|hi)(80|95)$|^(actual|expected|impact|excess|change|total|value|moving_avg|daily_total_impact)$/i;
const PERIOD_LABEL =
  /^((Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{4}|\d{4}( Q[1-4])?|\d{4}-\d{2}(-\d{2})?)$/;

/**
 * A column's kind: `money`, `percent` (values in percent units: 55 → "55%"), `count`,
 * `quantity`, `score`, `date` or `text`. `moneyMeasure` says whether the answer's measure is
 * money (a quantity answer's "change" column is not).
 *
 * @example
 * columnKind({name: "pct_of_change", type: "number"}, true) // → "percent"
 */
export function columnKind(column, moneyMeasure) {
  const name = column.name;
  const type = String(column.type).toLowerCase();
  if (/date|time/.test(type)) return "date";
  // The API's portable "number", or an engine's own name for a numeric type.
  if (!/^(number|double|float|real|decimal|numeric|(u|tiny|small|big|huge)?int)/.test(type)) return "text";
  // The metric layer's names (analytics/metric_layer.ts) read by these rules too: a test holds them to
  // each metric's kind.
  if (/(^|_)(pct|percent|share)(_|$)|_rate$|coverage|utilization/i.test(name)) return "percent";
  if (/^(line_items|resources|rows|days|count|n)$|_count$|^count_/i.test(name)) return "count";
  if (/^(score|zscore|isolation)$/i.test(name)) return "score";
  if (/quantity|qty/i.test(name)) return "quantity";
  if (moneyMeasure && (MONEY_WORDS.test(name) || PERIOD_LABEL.test(name))) return "money";
  return "quantity";
}

/** Currencies written with a symbol; any other code follows the number ("1,234.50 CAD"). */
export const CURRENCY_SYMBOLS = Object.freeze({ USD: "$", EUR: "€", GBP: "£", JPY: "¥", INR: "₹" });

function number(value, options, locale = "en-US") {
  return value.toLocaleString(locale, options);
}

/**
 * An amount of money: cents as a rule; under one cent, three significant digits, so that a tiny
 * charge never reads as zero. "n/a" for no number.
 *
 * @example
 * formatMoney(1234.5, "USD") // → "$1,234.50"
 * formatMoney(1234.5, "CAD") // → "1,234.50 CAD"
 * formatMoney(0.0000008, "USD") // → "$0.000000800"
 */
export function formatMoney(value, currency, locale = "en-US") {
  if (typeof value !== "number" || !Number.isFinite(value)) return "n/a";
  const abs = Math.abs(value);
  const digits = abs !== 0 && abs < 0.01
    ? { maximumSignificantDigits: 3, minimumSignificantDigits: 3 }
    : { minimumFractionDigits: 2, maximumFractionDigits: 2 };
  const text = number(abs, digits, locale);
  const sign = value < 0 ? "-" : "";
  const symbol = currency ? CURRENCY_SYMBOLS[currency] : undefined;
  if (symbol) return `${sign}${symbol}${text}`;
  return currency ? `${sign}${text} ${currency}` : `${sign}${text}`;
}

/**
 * One cell as text for its column's kind: money in `currency` ({@link formatMoney}, as the answer
 * text writes it), percent with "%", counts whole, other numbers with up to four decimals
 * (three significant digits when tiny), a quantity with its `unit` when the row names one. `null`
 * is "–".
 *
 * @example
 * formatCell(0.000945, "money", "USD", "en-US") // → "$0.000945"
 * formatCell(55, "percent", null, "en-US") // → "55%"
 */
export function formatCell(value, kind, currency, locale = "en-US", unit = null) {
  if (value === null || value === undefined) return "–";
  if (typeof value !== "number") return String(value);
  if (!Number.isFinite(value)) return String(value);
  switch (kind) {
    case "money":
      return formatMoney(value, currency, locale);
    case "percent":
      return `${number(value, { maximumFractionDigits: 1 }, locale)}%`;
    case "count":
      return number(value, { maximumFractionDigits: 0 }, locale);
    case "score":
      return number(value, { maximumFractionDigits: 2 }, locale);
    default: {
      const tiny = value !== 0 && Math.abs(value) < 0.001;
      const text = number(value, tiny ? { maximumSignificantDigits: 3 } : { maximumFractionDigits: 4 }, locale);
      return kind === "quantity" && unit ? `${text} ${unit}` : text;
    }
  }
}

/**
 * The index of the column that names a quantity's unit (FOCUS ConsumedUnit or PricingUnit), or -1.
 *
 * @example
 * unitColumn([{name: "ServiceName"}, {name: "ConsumedUnit"}]) // → 1
 */
export function unitColumn(columns) {
  const consumed = columns.findIndex((c) => c.name === "ConsumedUnit");
  return consumed >= 0 ? consumed : columns.findIndex((c) => c.name === "PricingUnit");
}

/**
 * An answer's text split into its findings and its method: paragraphs that begin with
 * "**Method:**" or "_How:" (the analyses write their method so) fold into "How this was
 * computed" on the page and are left out of the digest; an "**Assumes**" line in them stays with
 * the findings.
 *
 * @example
 * splitMethod("**$5** in all.\n\n_How: summed._") // → {findings: "**$5** in all.", method: "_How: summed._"}
 */
export function splitMethod(markdown) {
  const findings = [];
  const method = [];
  for (const block of markdown.split(/\n{2,}/)) {
    if (!/^(\*\*Method:\*\*|_How:)/.test(block)) {
      findings.push(block);
      continue;
    }
    const lines = block.split("\n");
    method.push(lines.filter((l) => !l.startsWith("**Assumes**")).join("\n"));
    findings.push(...lines.filter((l) => l.startsWith("**Assumes**")));
  }
  return { findings: findings.join("\n\n"), method: method.join("\n\n") };
}
