/**
 * Budgets tracked against a forecast: month to date, the month's forecast with its interval,
 * the probability of going over (the share of the forecast's simulated month totals above the
 * budget) and the day the budget is expected to be crossed. "This month" is the month of the
 * data's last day (a bill is read after the fact), and the answer says so.
 * @module
 */
import type { DatasetMeta } from "../analytics/dataset.ts";
import type { Engine } from "../analytics/engine.ts";
import { forecastDaily } from "../analytics/forecast.ts";
import { daysBetween } from "../analytics/series.ts";
import { ValidationError } from "../errors.ts";
import type { Budget, BudgetScope } from "../memory/budgets.ts";
import { columnLabel, measureLabel } from "./answer.ts";
import { formatMoney, formatPct } from "./format.ts";
import { fetchDaily, singleCurrency } from "./insight/common.ts";
import { defaultPlan, type ValueIndex } from "./planner.ts";
import type { QueryPlan } from "./types.ts";
import { SERVICE_ALIASES } from "./vocabulary.ts";

/** A new budget of a session (not stored yet). */
export function newBudget(sessionId: string, amount: number, scope: BudgetScope | null, alertAtPct?: number): Budget {
  return {
    id: crypto.randomUUID(),
    sessionId,
    amount,
    scope,
    ...(alertAtPct ? { alertAtPct } : {}),
    createdAt: new Date().toISOString(),
  };
}

/** Where a budget stands in its month. */
export interface BudgetStatus {
  budget_id: string;
  amount: number;
  currency: string | null;
  basis: string;
  scope: string;
  /** The month tracked (`YYYY-MM`), and the last day of data in it. */
  month: string;
  data_through: string;
  month_to_date: number;
  /** Whether the data covers the whole month (then the total is the actual, not a forecast). */
  complete: boolean;
  /** The month's total: actual to date plus the forecast of its remaining days (null: no forecast possible). */
  forecast: { total: number; lo80: number; hi80: number; lo95: number; hi95: number } | null;
  /** Probability (0–1) that the month ends over the budget. */
  probability_over: number | null;
  /** The day the budget was or is expected to be crossed (null: not this month). */
  crosses_on: string | null;
  status: "over" | "likely_over" | "at_risk" | "on_track";
  sql: string[];
  /** The status in words (Markdown), every figure from the fields above. */
  text: string;
}

/** The scope columns a budget may name, and the words of the REST body and of chat. */
export const SCOPE_COLUMNS = {
  service: "ServiceName",
  account: "SubAccountName",
  provider: "ProviderName",
} as const;

/**
 * Resolves a word ("EC2", "prod-data") to a value of a scope column: an exact or case-blind
 * match, a service alias, or the one value containing it. Otherwise a 422 naming what exists.
 */
export function resolveScope(column: string, word: string, index: ValueIndex): BudgetScope {
  const values = index[column] ?? [];
  const w = word.trim().toLowerCase();
  const exact = values.find((v) => v.value.toLowerCase() === w);
  if (exact) return { column, values: [exact.value] };
  const alias = column === "ServiceName" ? SERVICE_ALIASES[w.replace(/^(amazon|aws|azure|google) /, "")] : undefined;
  const aliased = alias ? values.filter((v) => alias.test(v.value)) : [];
  if (aliased.length === 1) return { column, values: [aliased[0].value] };
  const containing = values.filter((v) => v.value.toLowerCase().includes(w));
  if (containing.length === 1) return { column, values: [containing[0].value] };
  const offer = (containing.length ? containing : values).slice(0, 6).map((v) => `"${v.value}"`).join(", ");
  throw new ValidationError(
    `No single ${columnLabel(column)} matches "${word.slice(0, 60)}"${offer ? `; values include ${offer}` : ""}.`,
    422,
  );
}

/** A budget's scope in words: "Amazon Elastic Compute Cloud (service)" or "the whole bill". */
export function scopeWords(scope: BudgetScope | null): string {
  return scope ? `${scope.values.join(", ")} (${columnLabel(scope.column)})` : "the whole bill";
}

/** Days in the month of an ISO date. */
function daysInMonth(iso: string): number {
  const [y, m] = iso.split("-").map(Number);
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** Where a budget stands, from the session's data (one daily query, one forecast). */
export async function budgetStatus(engine: Engine, meta: DatasetMeta, budget: Budget): Promise<BudgetStatus> {
  const dr = meta.dateRange;
  if (!dr) throw new ValidationError("This data has no dates, so a monthly budget cannot be tracked.", 422);
  const notes: string[] = [];
  const base: QueryPlan = { ...defaultPlan(meta), filters: budget.scope ? [{ ...budget.scope, op: "in" }] : [] };
  const { plan, currency } = singleCurrency(base, meta, notes);
  const daily = await fetchDaily({ engine, meta, plan, text: "", notes }, plan, [], null);
  const month = dr.end.slice(0, 7);
  const monthStart = `${month}-01`;
  const series = daily.dates.map((date, i) => ({ date, value: daily.total[i] }));
  const inMonth = series.filter((p) => p.date >= monthStart);
  const mtd = inMonth.reduce((s, p) => s + p.value, 0);
  const remaining = daysInMonth(monthStart) - daysBetween(monthStart, dr.end) - 1;
  let forecast: BudgetStatus["forecast"] = null;
  let probability: number | null = null;
  let crosses: string | null = null;
  let running = 0;
  for (const p of inMonth) {
    running += p.value;
    if (running >= budget.amount) {
      crosses = p.date;
      break;
    }
  }
  if (remaining <= 0) {
    forecast = { total: mtd, lo80: mtd, hi80: mtd, lo95: mtd, hi95: mtd };
    probability = mtd > budget.amount ? 1 : 0;
  } else {
    const f = forecastDaily(series, remaining);
    if ("error" in f) {
      notes.push(`No forecast: ${f.days} days of history, and a forecast with a measured error needs ${f.needed}.`);
    } else {
      forecast = {
        total: mtd + f.total.forecast,
        lo80: mtd + f.total.lo80,
        hi80: mtd + f.total.hi80,
        lo95: mtd + f.total.lo95,
        hi95: mtd + f.total.hi95,
      };
      probability = f.simulated.filter((s) => mtd + s > budget.amount).length / f.simulated.length;
      let cumulative = mtd;
      for (const p of f.points) {
        if (crosses) break;
        cumulative += p.forecast;
        if (cumulative >= budget.amount) crosses = p.date;
      }
    }
  }
  const status: BudgetStatus["status"] = mtd > budget.amount
    ? "over"
    : (probability ?? 0) >= 0.5
    ? "likely_over"
    : (probability ?? 0) >= 0.2
    ? "at_risk"
    : "on_track";
  const out: BudgetStatus = {
    budget_id: budget.id,
    amount: budget.amount,
    currency,
    basis: plan.basis,
    scope: scopeWords(budget.scope),
    month,
    data_through: dr.end,
    month_to_date: mtd,
    complete: remaining <= 0,
    forecast,
    probability_over: probability,
    crosses_on: crosses,
    status,
    sql: [daily.sql],
    text: "",
  };
  out.text = statusText(out, measureLabel(plan), notes);
  return out;
}

const STATUS_WORDS: Record<BudgetStatus["status"], string> = {
  over: "over budget",
  likely_over: "likely to go over",
  at_risk: "at risk",
  on_track: "on track",
};

/** The status in words; every figure is one of the status's fields. */
function statusText(s: BudgetStatus, measure: string, notes: string[]): string {
  const fmt = (v: number) => formatMoney(v, s.currency);
  const monthName = new Date(`${s.month}-01T00:00:00Z`).toLocaleString("en-US", {
    month: "long",
    year: "numeric",
    timeZone: "UTC",
  });
  const lines = [
    `**Budget ${fmt(s.amount)} a month for ${s.scope}, ${monthName}: ${STATUS_WORDS[s.status]}.**`,
    "",
    `- Month to date (${s.month}-01 to ${s.data_through}, the last day of data): ${fmt(s.month_to_date)} (${
      formatPct((s.month_to_date / s.amount) * 100)
    } of the budget)`,
  ];
  if (s.complete) {
    lines.push(`- The data covers the whole month: no forecast needed`);
  } else if (s.forecast) {
    lines.push(
      `- Forecast for the month: ${fmt(s.forecast.total)} (80% interval ${fmt(s.forecast.lo80)} – ${
        fmt(s.forecast.hi80)
      }; 95% ${fmt(s.forecast.lo95)} – ${fmt(s.forecast.hi95)})`,
      `- Probability of going over: ${formatPct((s.probability_over ?? 0) * 100)}`,
    );
  }
  lines.push(
    s.crosses_on
      ? `- ${s.crosses_on <= s.data_through ? "Crossed" : "Expected to cross"} the budget on ${s.crosses_on}`
      : "- Not expected to cross the budget this month",
  );
  lines.push(
    "",
    `_${measure}; the month's total is the actual to date plus the forecast of its remaining days; the probability ` +
      `is the share of the forecast's 2,000 simulated totals above the budget._`,
  );
  if (notes.length) lines.push(...notes.map((n) => `_${n}_`));
  return lines.join("\n");
}

/** A budget set in chat: "set a $40k monthly budget for EC2". */
export interface BudgetCommand {
  amount: number;
  /** The words naming the scope ("EC2"), or null for the whole bill. */
  scope: string | null;
}

const SET_BUDGET =
  /^(?:please\s+)?(?:set|create|add|make)\s+(?:up\s+)?(?:a|an|the|my|our)?\s*(?:monthly\s+)?budget\s+(?:of\s+)?\$?\s*([\d.,]+)\s*(k|m)?\s*(?:a|per)?\s*(?:month|monthly)?(?:\s+for\s+(.+?))?\s*[.!]?$|^(?:please\s+)?(?:set|create|add|make)\s+(?:a|an|the|my|our)?\s*\$?\s*([\d.,]+)\s*(k|m)?\s+(?:monthly\s+|a month\s+|per month\s+)?budget(?:\s+(?:a|per)\s+month)?(?:\s+for\s+(.+?))?\s*[.!]?$/i;

/**
 * Reads a budget command, or null.
 *
 * @example
 * parseBudgetCommand("set a $40k monthly budget for EC2") // → {amount: 40000, scope: "EC2"}
 */
export function parseBudgetCommand(text: string): BudgetCommand | null {
  const m = text.trim().match(SET_BUDGET);
  if (!m) return null;
  const [digits, unit, scope] = m[1] ? [m[1], m[2], m[3]] : [m[4], m[5], m[6]];
  const n = Number(digits.replace(/,/g, ""));
  if (!Number.isFinite(n) || n <= 0) return null;
  const amount = n * (unit?.toLowerCase() === "k" ? 1_000 : unit?.toLowerCase() === "m" ? 1_000_000 : 1);
  return { amount, scope: scope?.replace(/^the\s+/i, "").trim() || null };
}

/** Whether a question asks where the budgets stand ("are we on track?", "budget status"). */
export function asksBudgetStatus(text: string): boolean {
  return /\b(on track|budget status|over (?:the |our )?budget|within (?:the |our )?budget|how are (?:we|the budgets?) doing)\b/i
    .test(text);
}

/** The scope column a chat scope word belongs to: an account or provider value when one matches exactly, else a service. */
export function scopeColumnFor(word: string, index: ValueIndex): string {
  const w = word.toLowerCase();
  for (const column of [SCOPE_COLUMNS.account, SCOPE_COLUMNS.provider]) {
    if ((index[column] ?? []).some((v) => v.value.toLowerCase() === w)) return column;
  }
  return SCOPE_COLUMNS.service;
}
