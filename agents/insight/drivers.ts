/**
 * "Why did costs go up in May?" / "what changed between April and May?": the change between two
 * periods split by service, region and account (grown, shrunk, new, gone), and per SKU into
 * volume and rate where usage quantities exist (analytics/drivers.ts).
 * @module
 */
import { BASIS_COLUMN } from "../../analytics/dataset.ts";
import { decomposeChange, type Driver, type DriverReport } from "../../analytics/drivers.ts";
import { tableNames } from "../../analytics/engine.ts";
import { q } from "../../analytics/sql.ts";
import { columnLabel, measureLabel, scopeText } from "../answer.ts";
import { compilePlan, planConditions, rangeCond } from "../compiler.ts";
import { latestCompleteMonth } from "../planner.ts";
import { formatDelta, formatMoney } from "../format.ts";
import { addDays, describeRange, previousPeriod } from "../time.ts";
import type { QueryPlan, TimeRange } from "../types.ts";
import { breakdownDims, cents, type InsightContext, type InsightOutput, singleCurrency, table } from "./common.ts";

/** Items listed per dimension. */
const LISTED = 5;

/** The two periods of a drivers question: named, or the named one and the one before it. */
export function driverPeriods(plan: QueryPlan, fallback: TimeRange | null): { a: TimeRange; b: TimeRange } | null {
  if (plan.compare) return { a: plan.compare.a, b: plan.compare.b };
  const b = plan.time.range ?? fallback;
  return b ? { a: previousPeriod(b), b } : null;
}

/** Runs a drivers analysis. */
export async function runDrivers(ctx: InsightContext): Promise<InsightOutput> {
  const { meta, notes } = ctx;
  const periods = driverPeriods(ctx.plan, latestCompleteMonth(meta));
  const base: QueryPlan = { ...ctx.plan, analysis: "drivers" };
  if (!periods) {
    return { text: "This data has no dates, so there are no periods to compare.", sql: [], result: null, plan: base };
  }
  const { a, b } = periods;
  const plan: QueryPlan = { ...base, compare: { kind: "periods", a, b }, time: { range: null, grain: null } };
  const scoped = singleCurrency(plan, meta, notes);
  const cur = scoped.currency;
  const fmt = (v: number) => formatMoney(v, cur);
  const sql: string[] = [];
  const run = async (p: QueryPlan) => {
    const c = compilePlan({ ...p, topN: null, share: false, measure: "cost" }, meta);
    sql.push(c.sql);
    return await ctx.engine.query(meta.id, c.sql);
  };
  const totals = await run({ ...scoped.plan, groupBy: [] });
  const [totalA, totalB] = [Number(totals.rows[0]?.[0] ?? 0), Number(totals.rows[0]?.[1] ?? 0)];
  const change = totalB - totalA;
  const what = `${measureLabel(plan)}${scopeText({ ...plan, compare: undefined }, meta, false)}`;
  const lines: string[] = [];
  const dr = meta.dateRange;
  if (dr && (a.start < dr.start || b.end > addDays(dr.end, 1))) {
    notes.push(`The data covers ${dr.start} to ${dr.end}; a period outside it counts only the days inside.`);
  }
  lines.push(
    `**${what} went from ${fmt(totalA)} in ${describeRange(a)} to ${fmt(totalB)} in ${describeRange(b)}: ` +
      `${formatDelta(change, cur)}${
        totalA !== 0 ? ` (${change >= 0 ? "+" : ""}${((change / Math.abs(totalA)) * 100).toFixed(1)}%)` : ""
      }.**`,
  );
  let first: DriverReport | null = null;
  // A dimension the question pins to one value ("S3") has nothing to split.
  const pinned = (d: string) => plan.filters.some((f) => f.column === d && f.op === "in" && f.values.length === 1);
  const dims = breakdownDims(ctx.plan, meta).filter((d) => !pinned(d));
  for (const dim of dims) {
    const rs = await run({ ...scoped.plan, groupBy: [dim] });
    const report = decomposeChange(
      rs.rows.map((r) => ({
        key: r[0] === null ? "(not set)" : String(r[0]),
        costA: Number(r[1] ?? 0),
        costB: Number(r[2] ?? 0),
      })),
    );
    first ??= report;
    lines.push("", `**By ${columnLabel(dim)}:**`);
    const moved = report.drivers.filter((d) => Math.abs(d.change) >= 0.005);
    for (const d of moved.slice(0, LISTED)) lines.push(`- ${driverLine(d, fmt, cur)}`);
    const rest = moved.slice(LISTED);
    if (rest.length) {
      lines.push(
        `- ${rest.length} ${rest.length === 1 ? "other" : "others"}: ${
          formatDelta(rest.reduce((s, d) => s + d.change, 0), cur)
        } together`,
      );
    }
    const born = report.drivers.filter((d) => d.status === "new");
    const gone = report.drivers.filter((d) => d.status === "gone");
    if (born.length) lines.push(`- new in ${b.label}: ${born.map((d) => `${d.key} (${fmt(d.costB)})`).join(", ")}`);
    if (gone.length) lines.push(`- gone since ${a.label}: ${gone.map((d) => `${d.key} (${fmt(d.costA)})`).join(", ")}`);
    if (!moved.length) lines.push("- no change");
  }
  const vr = await volumeRate(ctx, scoped.plan, a, b, sql);
  if (vr.length) {
    lines.push(
      "",
      "**Volume vs rate** (per SKU with usage quantities in both periods: volume = Δquantity × old unit cost, " +
        "rate = Δunit cost × new quantity; they add up to the change):",
      ...vr.slice(0, LISTED).map((d) =>
        `- ${d.key}: ${formatDelta(d.change, cur)} = volume ${formatDelta(cents(d.volume!), cur)} + rate ${
          formatDelta(cents(d.rate!), cur)
        }`
      ),
    );
  }
  if (notes.length) lines.push("", ...notes.map((n) => `_${n}_`));
  const drivers = first?.drivers ?? [];
  return {
    chart: drivers.length
      ? {
        type: "hbar",
        input: {
          rows: drivers.slice(0, 15).map((d) => ({ item: d.key, change: cents(d.change) })),
          category: "item",
          measure: "change",
          measureTitle: `change, ${a.label} → ${b.label}`,
          money: true,
          signed: true,
          currency: cur,
          title: `What changed by ${dims[0] ? columnLabel(dims[0]) : "item"}: ${formatDelta(change, cur)} in all`,
          subtitle: `${what} · ${describeRange(a)} → ${describeRange(b)}`,
        },
      }
      : undefined,
    text: lines.join("\n"),
    sql,
    result: table(
      [
        ["item", "string"],
        [a.label, "number"],
        [b.label, "number"],
        ["change", "number"],
        ["pct_of_change", "number"],
        [
          "status",
          "string",
        ],
      ],
      drivers.map((d) => [d.key, cents(d.costA), cents(d.costB), cents(d.change), Number(d.pct.toFixed(1)), d.status]),
    ),
    plan: { ...plan, compare: { kind: "periods", a, b } },
  };
}

function driverLine(d: Driver, fmt: (v: number) => string, cur: string | null): string {
  const tag = d.status === "new" ? " (new)" : d.status === "gone" ? " (gone)" : "";
  return `${d.key}${tag}: ${fmt(d.costA)} → ${fmt(d.costB)}, **${formatDelta(d.change, cur)}** (${
    d.pct.toFixed(0)
  }% of the change)`;
}

/** Per-SKU volume and rate split, when the data has quantities and SKUs. */
async function volumeRate(
  ctx: InsightContext,
  plan: QueryPlan,
  a: TimeRange,
  b: TimeRange,
  sql: string[],
): Promise<Driver[]> {
  const { meta } = ctx;
  if (!meta.canonical.includes("PricingQuantity") || !meta.canonical.includes("SkuId")) return [];
  const cost = q(BASIS_COLUMN[plan.basis]);
  const where = planConditions({ ...plan, time: { range: null, grain: null } }, meta);
  const key = meta.canonical.includes("ServiceName") ? `concat_ws(' · ', "ServiceName", "SkuId")` : `"SkuId"`;
  const f = (r: TimeRange, col: string) => `COALESCE(SUM(${col}) FILTER (WHERE ${rangeCond(r)}), 0)`;
  const text = `SELECT ${key} AS "item", ${f(a, cost)} AS "cost_a", ${f(b, cost)} AS "cost_b", ` +
    `${f(a, `"PricingQuantity"`)} AS "qty_a", ${f(b, `"PricingQuantity"`)} AS "qty_b" ` +
    `FROM ${q(tableNames(meta.id).view)} WHERE ${
      [...where, `"SkuId" IS NOT NULL`, `(${rangeCond(a)} OR ${rangeCond(b)})`].join(" AND ")
    } ` +
    `GROUP BY ${key} ORDER BY ABS(${f(b, cost)} - ${f(a, cost)}) DESC LIMIT 200`;
  sql.push(text);
  const rs = await ctx.engine.query(meta.id, text);
  const report = decomposeChange(rs.rows.map((r) => ({
    key: String(r[0]),
    costA: Number(r[1] ?? 0),
    costB: Number(r[2] ?? 0),
    qtyA: Number(r[3] ?? 0),
    qtyB: Number(r[4] ?? 0),
  })));
  return report.drivers.filter((d) => d.volume !== null && d.rate !== null && Math.abs(d.change) >= 0.005);
}
