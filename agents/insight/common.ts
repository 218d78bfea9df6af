/**
 * What the insight analyses share: the context they run in, their output, the one currency
 * they may add up, and daily series fetched with the compiler's own SQL.
 * @module
 */
import type { ResultSet } from "../../analytics/arrow_json.ts";
import type { ChartInput, ChartType } from "../../analytics/charts/spec.ts";
import type { DatasetMeta } from "../../analytics/dataset.ts";
import type { Engine } from "../../analytics/engine.ts";
import { densify } from "../../analytics/series.ts";
import { compilePlan } from "../compiler.ts";
import { addDays } from "../time.ts";
import type { QueryPlan, TimeRange } from "../types.ts";

/** Everything an analysis needs: the engine to query, the dataset, the plan and the words. */
export interface InsightContext {
  engine: Engine;
  meta: DatasetMeta;
  plan: QueryPlan;
  /** The question, normalised (lower case, typos corrected). */
  text: string;
  /** Notes to state with the answer (how a word was read, what was left out). */
  notes: string[];
  /** Anomaly incidents this session dismissed: not reported again. */
  dismissed?: Set<string>;
  /** Smallest anomaly incident reported, in money (ANOMALY_MIN_IMPACT). */
  minImpact?: number;
}

/** What an analysis answers with: its text, every query it ran, a result table and its plan. */
export interface InsightOutput {
  text: string;
  sql: string[];
  result: ResultSet | null;
  plan: QueryPlan;
  /** The chart the analysis calls for (drawn by the supervisor). */
  chart?: { type: ChartType; input: ChartInput };
  /** Ids of the anomaly incidents listed, in order (remembered for "that one is expected"). */
  incidents?: string[];
}

/** Dimensions an anomaly or driver analysis breaks a cost down by, when the data has them. */
export const BREAKDOWN_DIMENSIONS = ["ServiceName", "RegionName", "SubAccountName"] as const;

/** The breakdown dimensions the dataset has (or the ones the plan names). */
export function breakdownDims(plan: QueryPlan, meta: DatasetMeta): string[] {
  if (plan.groupBy.length) return plan.groupBy;
  return BREAKDOWN_DIMENSIONS.filter((d) => meta.canonical.includes(d));
}

/**
 * Restricts a plan to one currency when the data has several and the plan names none: sums
 * across currencies mean nothing. Returns the plan to run and the currency of its amounts.
 */
export function singleCurrency(
  plan: QueryPlan,
  meta: DatasetMeta,
  notes: string[],
): { plan: QueryPlan; currency: string | null } {
  const named = plan.filters.find((f) => f.column === "BillingCurrency" && f.op === "in" && f.values.length === 1);
  if (named) return { plan, currency: named.values[0] };
  if (meta.currencies.length <= 1 || !meta.canonical.includes("BillingCurrency")) {
    return { plan, currency: meta.currency };
  }
  const cur = meta.currency ?? meta.currencies[0];
  notes.push(
    `This data has charges in ${meta.currencies.join(", ")}; the analysis covers the ${cur} charges only, ` +
      `because amounts in different currencies can't be added up.`,
  );
  return {
    plan: { ...plan, filters: [...plan.filters, { column: "BillingCurrency", op: "in", values: [cur] }] },
    currency: cur,
  };
}

/** Daily series of a plan: dense dates and one value array per key (plus their sum). */
export interface DailySeries {
  sql: string;
  dates: string[];
  /** Key ("Amazon EC2 · us-east-1 · prod") → one value per date. */
  series: Map<string, number[]>;
  /** Key → its dimension values, in the order of `dims`. */
  parts: Map<string, string[]>;
  /** Sum over the keys, per date. */
  total: number[];
}

/** A series key from its dimension values; a missing value reads "(not set)". */
export function seriesKey(values: unknown[]): string {
  return values.map((v) => (v === null || v === undefined || v === "" ? "(not set)" : String(v))).join(" · ");
}

/**
 * Fetches the daily cost of a plan, split by `dims` (top `topN` series by cost when given),
 * over `range` (all data when null), as dense series: a day without charges is a zero.
 * The SQL is the compiler's, so filters and basis mean exactly what they mean elsewhere.
 */
export async function fetchDaily(
  ctx: InsightContext,
  plan: QueryPlan,
  dims: string[],
  range: TimeRange | null,
  topN: number | null = null,
): Promise<DailySeries> {
  const dayPlan: QueryPlan = {
    ...plan,
    measure: "cost",
    groupBy: dims,
    time: { range, grain: "day" },
    topN,
    order: "desc",
    share: false,
  };
  delete dayPlan.compare;
  const compiled = compilePlan(dayPlan, ctx.meta);
  const rs = await ctx.engine.query(ctx.meta.id, compiled.sql);
  const dateIdx = rs.columns.findIndex((c) => c.name === "day");
  const valueIdx = rs.columns.findIndex((c) => c.name === compiled.valueColumn);
  const dimIdx = dims.map((d) => rs.columns.findIndex((c) => c.name === d));
  const dr = ctx.meta.dateRange;
  const start = range?.start && (!dr || range.start > dr.start) ? range.start : dr?.start;
  const lastOfRange = range ? addDays(range.end, -1) : undefined;
  const end = lastOfRange && (!dr || lastOfRange < dr.end) ? lastOfRange : dr?.end;
  const byKey = new Map<string, { date: string; value: number }[]>();
  const parts = new Map<string, string[]>();
  for (const row of rs.rows) {
    const vals = dimIdx.map((i) => row[i]);
    const key = dims.length ? seriesKey(vals) : "total";
    if (!parts.has(key)) parts.set(key, vals.map((v) => seriesKey([v])));
    const list = byKey.get(key) ?? [];
    list.push({ date: String(row[dateIdx]).slice(0, 10), value: Number(row[valueIdx] ?? 0) });
    byKey.set(key, list);
  }
  const dates = start && end ? densify([], start, end).map((p) => p.date) : [];
  const series = new Map<string, number[]>();
  for (const [key, pts] of byKey) {
    series.set(key, densify(pts, dates[0], dates[dates.length - 1]).map((p) => p.value));
  }
  const total = dates.map((_, i) => [...series.values()].reduce((s, v) => s + v[i], 0));
  return { sql: compiled.sql, dates, series, parts, total };
}

/** Sums series by one of their dimensions (index `i` of their parts). */
export function rollUp(daily: DailySeries, i: number): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const [key, values] of daily.series) {
    const k = daily.parts.get(key)?.[i] ?? key;
    const acc = out.get(k) ?? new Array(values.length).fill(0);
    values.forEach((v, j) => (acc[j] += v));
    out.set(k, acc);
  }
  return out;
}

/** A result table from column names and rows (numbers rounded to cents where money). */
export function table(columns: [string, string][], rows: unknown[][]): ResultSet {
  return {
    columns: columns.map(([name, type]) => ({ name, type })),
    rows: rows.map((r) => r.map((v) => (typeof v === "number" && !Number.isFinite(v) ? null : v))) as ResultSet["rows"],
  };
}

/** Rounds money to cents for result tables (text formats on its own). */
export function cents(v: number): number {
  return Math.round(v * 100) / 100;
}
