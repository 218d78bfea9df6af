/**
 * Descriptive statistics from chat: moving averages of a daily cost and correlations (between
 * services' daily costs, or between the numeric columns of the line items).
 * @module
 */
import { tableNames } from "../../analytics/engine.ts";
import { q } from "../../analytics/sql.ts";
import { correlationMatrix, movingAverage } from "../../analytics/stats.ts";
import { columnLabel, measureLabel, scopeText } from "../answer.ts";
import { planConditions } from "../compiler.ts";
import { formatMoney } from "../format.ts";
import { addDays } from "../time.ts";
import type { QueryPlan } from "../types.ts";
import { cents, fetchDaily, type InsightContext, type InsightOutput, singleCurrency, table } from "./common.ts";

/** Services compared in a correlation of daily costs (the largest by cost). */
const MAX_SERIES = 8;

/**
 * The moving-average window a question asks for: "14-day", "30 day", "weekly" (7),
 * "monthly" (30); 7 days by default, since it smooths out the weekly cycle of cloud costs.
 *
 * @example
 * windowFrom("30-day rolling average of EC2") // → 30
 */
export function windowFrom(text: string): number {
  const m = text.match(/\b(\d{1,3})[- ]?(days?|d)\b/);
  if (m) return Math.max(2, Math.min(365, Number(m[1])));
  const w = text.match(/\b(\d{1,2})[- ]?weeks?\b/);
  if (w) return Math.max(2, Math.min(365, Number(w[1]) * 7));
  if (/\bmonthly\b/.test(text)) return 30;
  return 7;
}

/** Runs a moving average of the plan's daily cost. */
export async function runMovingAverage(ctx: InsightContext): Promise<InsightOutput> {
  const { meta, notes } = ctx;
  const window = ctx.plan.window ?? windowFrom(ctx.text);
  const plan: QueryPlan = { ...ctx.plan, analysis: "moving_avg", window };
  const dr = meta.dateRange;
  if (!dr) {
    return { text: "This data has no dates, so there is no daily series to average.", sql: [], result: null, plan };
  }
  const report = plan.time.range ?? { start: dr.start, end: addDays(dr.end, 1), label: "all data" };
  const scoped = singleCurrency(plan, meta, notes);
  const fmt = (v: number) => formatMoney(v, scoped.currency);
  const daily = await fetchDaily(ctx, scoped.plan, [], {
    start: addDays(report.start, -(window - 1)),
    end: report.end,
    label: "",
  });
  const ma = movingAverage(daily.total, window);
  const rows = daily.dates.map((d, i) => ({ d, v: daily.total[i], m: ma[i] }))
    .filter((r) => r.d >= report.start && r.d < report.end);
  const withMa = rows.filter((r): r is { d: string; v: number; m: number } => r.m !== null);
  const what = `${window}-day moving average of ${measureLabel(plan).toLowerCase()}${scopeText(plan, meta)}`;
  if (!withMa.length) {
    return {
      text: `There are not enough days for a ${window}-day moving average here (${rows.length} days in range).`,
      sql: [daily.sql],
      result: null,
      plan,
    };
  }
  const first = withMa[0];
  const last = withMa[withMa.length - 1];
  const lo = withMa.reduce((a, b) => (b.m < a.m ? b : a));
  const hi = withMa.reduce((a, b) => (b.m > a.m ? b : a));
  const change = first.m !== 0 ? ((last.m - first.m) / Math.abs(first.m)) * 100 : null;
  const lines = [
    `**The ${what} ended at ${fmt(last.m)} a day on ${last.d}**, from ${fmt(first.m)} on ${first.d}${
      change === null ? "" : ` (${change >= 0 ? "+" : ""}${change.toFixed(1)}%)`
    }.`,
    `Lowest ${fmt(lo.m)} (${lo.d}), highest ${fmt(hi.m)} (${hi.d}).`,
    "",
    `**Method:** trailing simple moving average: each day is the mean of that day and the ${
      window - 1
    } before it; days without charges count as zero.`,
  ];
  if (notes.length) lines.push("", ...notes.map((n) => `_${n}_`));
  return {
    chart: {
      type: "line",
      input: {
        rows: rows.map((r) => ({ date: r.d, cost: cents(r.v), moving_avg: r.m === null ? null : cents(r.m) })),
        time: "date",
        grain: "day",
        measure: "cost",
        measure2: "moving_avg",
        measureTitle: "cost per day",
        money: true,
        currency: scoped.currency,
        title: `${window}-day moving average (orange) over the daily cost (blue)`,
        subtitle: `${measureLabel(plan)}${scopeText(plan, meta)}`,
      },
    },
    text: lines.join("\n"),
    sql: [daily.sql],
    result: table(
      [["date", "date"], ["cost", "number"], ["moving_avg", "number"]],
      rows.map((r) => [r.d, cents(r.v), r.m === null ? null : cents(r.m)]),
    ),
    plan,
  };
}

/** Numeric line-item columns worth correlating, when the data has them. */
const NUMERIC = ["BilledCost", "EffectiveCost", "ListCost", "PricingQuantity"] as const;

/** Runs a correlation analysis. */
export async function runCorrelation(ctx: InsightContext): Promise<InsightOutput> {
  const method = ctx.plan.method ?? (/\b(spearman|rank)\b/.test(ctx.text) ? "spearman" : "pearson");
  const plan: QueryPlan = { ...ctx.plan, analysis: "correlation", method };
  const columns = /\b(numeric|columns?|quantity|quantities|usage|fields?|list cost|billed cost)\b/.test(ctx.text);
  return columns || !ctx.meta.canonical.includes("ServiceName")
    ? await columnCorrelation({ ...ctx, plan }, method)
    : await serviceCorrelation({ ...ctx, plan }, method);
}

const METHOD_NAME = {
  pearson: "Pearson's r (linear association)",
  spearman: "Spearman's ρ (rank association, robust to outliers)",
};

async function serviceCorrelation(ctx: InsightContext, method: "pearson" | "spearman"): Promise<InsightOutput> {
  const { meta, notes } = ctx;
  const scoped = singleCurrency(ctx.plan, meta, notes);
  const daily = await fetchDaily(ctx, scoped.plan, ["ServiceName"], ctx.plan.time.range, MAX_SERIES);
  const names = [...daily.series.keys()];
  if (names.length < 2 || daily.dates.length < 3) {
    return {
      text: `A correlation needs at least two services and three days; here there ${
        names.length === 1 ? "is one service" : `are ${names.length} services`
      } over ${daily.dates.length} days${scopeText(ctx.plan, meta)}.`,
      sql: [daily.sql],
      result: null,
      plan: ctx.plan,
    };
  }
  const { matrix } = correlationMatrix(Object.fromEntries(daily.series), method);
  const pairs: { a: string; b: string; r: number }[] = [];
  names.forEach((a, i) =>
    names.forEach((b, j) => j > i && matrix[i][j] !== null && pairs.push({ a, b, r: matrix[i][j]! }))
  );
  pairs.sort((x, y) => Math.abs(y.r) - Math.abs(x.r));
  const lines = [
    `**Correlation between the daily ${measureLabel(ctx.plan).toLowerCase()} of the ${names.length} largest services**${
      scopeText(ctx.plan, meta)
    }, over ${daily.dates.length} days, by ${METHOD_NAME[method]}. Strongest pairs:`,
    "",
    ...pairs.slice(0, 5).map((p) => `- ${p.a} ↔ ${p.b}: ${p.r.toFixed(2)} (${strength(p.r)})`),
  ];
  const constant = names.filter((_, i) => matrix[i][i] === null);
  if (constant.length) lines.push("", `Constant every day, so without a correlation: ${constant.join(", ")}.`);
  lines.push("", "_Correlation shows costs moving together, not that one causes the other._");
  if (notes.length) lines.push("", ...notes.map((n) => `_${n}_`));
  return {
    chart: correlationChart(names, matrix, `Correlation of daily cost between services (${method})`, ctx),
    text: lines.join("\n"),
    sql: [daily.sql],
    result: table(
      [["service", "string"], ...names.map((n): [string, string] => [n, "number"])],
      names.map((n, i) => [n, ...matrix[i].map((v) => (v === null ? null : Number(v.toFixed(3))))]),
    ),
    plan: ctx.plan,
  };
}

async function columnCorrelation(ctx: InsightContext, method: "pearson" | "spearman"): Promise<InsightOutput> {
  const { meta } = ctx;
  const cols = NUMERIC.filter((c) => meta.canonical.includes(c));
  if (cols.length < 2) {
    return {
      text: `This data has ${cols.length} numeric column${cols.length === 1 ? "" : "s"} (${
        cols.join(", ") || "none"
      }); a correlation needs two.`,
      sql: [],
      result: null,
      plan: ctx.plan,
    };
  }
  const where = planConditions(ctx.plan, meta);
  const view = q(tableNames(meta.id).view);
  // Spearman = Pearson on ranks, ties given their average rank.
  const src = method === "pearson"
    ? view
    : `(SELECT ${
      cols.map((c, i) =>
        `(rank() OVER (ORDER BY ${q(c)}) + cume_dist() OVER (ORDER BY ${q(c)}) * COUNT(*) OVER ()) / 2 AS ${q(`r${i}`)}`
      ).join(", ")
    } FROM ${view}${where.length ? ` WHERE ${where.join(" AND ")}` : ""})`;
  const ref = (i: number) => (method === "pearson" ? q(cols[i]) : q(`r${i}`));
  const pairs: [number, number][] = [];
  cols.forEach((_, i) => cols.forEach((_, j) => j > i && pairs.push([i, j])));
  const sql =
    `SELECT ${pairs.map(([i, j]) => `corr(${ref(i)}, ${ref(j)}) AS ${q(`${cols[i]}~${cols[j]}`)}`).join(", ")}, ` +
    `COUNT(*) AS "rows" FROM ${src}${method === "pearson" && where.length ? ` WHERE ${where.join(" AND ")}` : ""}`;
  const rs = await ctx.engine.query(meta.id, sql);
  const row = rs.rows[0] ?? [];
  const n = Number(row[pairs.length] ?? 0);
  const r = pairs.map((_, k) => (row[k] === null || row[k] === undefined ? null : Number(row[k])));
  const matrix = cols.map((_, i) =>
    cols.map((_, j) => {
      if (i === j) return 1;
      const k = pairs.findIndex(([a, b]) => (a === Math.min(i, j) && b === Math.max(i, j)));
      return r[k];
    })
  );
  const lines = [
    `**Correlation between the numeric columns of ${n.toLocaleString("en-US")} line items**${
      scopeText(ctx.plan, meta)
    }, by ${METHOD_NAME[method]}:`,
    "",
    ...pairs.map(([i, j], k) =>
      `- ${columnLabel(cols[i])} ↔ ${columnLabel(cols[j])}: ${
        r[k] === null || Number.isNaN(r[k]) ? "n/a (a constant column)" : `${r[k]!.toFixed(2)} (${strength(r[k]!)})`
      }`
    ),
    "",
    "_Correlation shows values moving together, not that one causes the other._",
  ];
  return {
    chart: correlationChart(cols.map(columnLabel), matrix, `Correlation between numeric columns (${method})`, ctx),
    text: lines.join("\n"),
    sql: [sql],
    result: table(
      [["column", "string"], ...cols.map((c): [string, string] => [c, "number"])],
      cols.map((c, i) => [c, ...matrix[i].map((v) => (v === null || Number.isNaN(v) ? null : Number(v.toFixed(3))))]),
    ),
    plan: ctx.plan,
  };
}

function correlationChart(
  names: string[],
  matrix: (number | null)[][],
  title: string,
  ctx: InsightContext,
): InsightOutput["chart"] {
  const rows = names.flatMap((a, i) =>
    names.map((b, j) => ({ a, b, r: matrix[i][j] === null ? null : Number(matrix[i][j]!.toFixed(2)) }))
  );
  return {
    type: "heatmap",
    input: {
      rows,
      category: "a",
      series: "b",
      measure: "r",
      measureTitle: "r",
      money: false,
      currency: null,
      title,
      subtitle: `${measureLabel(ctx.plan)}${scopeText(ctx.plan, ctx.meta)} · 1 = move together, −1 = opposite`,
    },
  };
}

/** Words for a correlation's strength (Cohen's conventions, rounded). */
function strength(r: number): string {
  const a = Math.abs(r);
  const dir = r >= 0 ? "positive" : "negative";
  if (a >= 0.7) return `strong ${dir}`;
  if (a >= 0.4) return `moderate ${dir}`;
  if (a >= 0.2) return `weak ${dir}`;
  return "none to speak of";
}
