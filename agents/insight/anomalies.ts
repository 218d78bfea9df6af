/**
 * "Any anomalies last month?" and "why did EC2 spike on the 14th?": anomaly scans over the
 * daily total and every service × region × account series, and the explanation of one day by
 * the series that carry its excess (analytics/anomalies.ts).
 * @module
 */
import { attributeDay, type Contribution, detectAnomalies, isolationFor } from "../../analytics/anomalies.ts";
import { findIncidents, type Incident, TOTAL, type Trend } from "../../analytics/incidents.ts";
import { columnResolver, SCOPES } from "../../analytics/metric_layer.ts";
import { columnLabel, measureLabel, scopeText } from "../answer.ts";
import { formatDelta, formatMoney, formatMoneyShort } from "../format.ts";
import { addDays, isOneDay } from "../time.ts";
import type { QueryPlan, TimeRange } from "../types.ts";
import {
  breakdownDims,
  cents,
  type DailySeries,
  fetchDaily,
  type InsightContext,
  type InsightOutput,
  rollUp,
  singleCurrency,
  table,
} from "./common.ts";

/** Days of history before the scanned period, so its first days have a weekday baseline. */
const LOOKBACK_DAYS = 56;
/** Series scanned at most (the largest by cost), so a million-row file stays fast. */
const MAX_SERIES = 300;
/** Anomalies listed in the answer. */
const LISTED = 10;
/** Incidents given the z-score and Isolation Forest cross-checks (the largest), so a wide scan stays fast. */
const CROSS_CHECKED = 25;

const METHOD = "_How: each series (the daily total, and every service × region × account) is cut into level " +
  "segments by binary segmentation, so launches and steps are found once and the new level is normal after them; " +
  "a day is unusual when its robust score against its segment's level and weekday (median absolute deviation × " +
  "1.4826) passes 3.5 and it is at least 15% off; consecutive unusual days of one series make one incident, and the " +
  "daily total's echo of a series' incident is merged into it. Charges billed on the same day each month are learned " +
  "as normal. Each incident's robust score, z-score and Isolation Forest score are in the result table._";

/** Words naming a usage-level column, in the order we prefer for root causes. */
const USAGE_COLUMNS = ["SkuId", "ChargeDescription"] as const;

/** Runs an anomaly scan, or explains one day when the plan names a single day. */
export function runAnomalies(ctx: InsightContext): Promise<InsightOutput> {
  const plan: QueryPlan = { ...ctx.plan, analysis: "anomalies" };
  return isOneDay(plan.time.range) ? explainDay({ ...ctx, plan }) : scan({ ...ctx, plan });
}

/** Days of data an anomaly scan needs: four same weekdays before a day, and two weeks of residuals. */
export const MIN_HISTORY_DAYS = 42;

/**
 * The plan of a scan: tax and purchases, and recurring and one-time charges, are left out where
 * the data says which they are (FOCUS ChargeCategory, ChargeFrequency), unless the question is
 * about them; a data file without those columns has its monthly charges learned instead.
 */
function usagePlan(plan: QueryPlan, meta: InsightContext["meta"]): QueryPlan {
  if (plan.filters.some((f) => f.column === "ChargeCategory") || plan.scopes?.length) return plan;
  const resolve = columnResolver(meta);
  const scopes = [
    ...(resolve("ChargeCategory") ? ["no_tax_or_purchases" as const] : []),
    ...(resolve("ChargeFrequency") ? ["usage_based" as const] : []),
  ];
  return scopes.length ? { ...plan, scopes } : plan;
}

async function scan(ctx: InsightContext): Promise<InsightOutput> {
  const { meta, notes } = ctx;
  const dr = meta.dateRange;
  if (!dr) {
    return {
      text: "This data has no dates, so there are no daily series to scan.",
      sql: [],
      result: null,
      plan: ctx.plan,
    };
  }
  const report = ctx.plan.time.range ?? { start: dr.start, end: addDays(dr.end, 1), label: "all data" };
  const scoped = singleCurrency(usagePlan(ctx.plan, meta), meta, notes);
  const cur = scoped.currency;
  const dims = breakdownDims(ctx.plan, meta);
  const fetchRange = { start: addDays(report.start, -LOOKBACK_DAYS * 4), end: report.end, label: "" };
  const total = await fetchDaily(ctx, scoped.plan, [], fetchRange);
  const what = `${measureLabel(ctx.plan).toLowerCase()}${
    scopeText({ ...ctx.plan, time: { range: null, grain: null } }, meta, false)
  }`;
  if (total.dates.length < MIN_HISTORY_DAYS) return tooLittleHistory(ctx, total, what, cur);
  const split = dims.length ? await fetchDaily(ctx, scoped.plan, dims, fetchRange, MAX_SERIES) : null;
  const meanDaily = total.total.reduce((s, v) => s + v, 0) / Math.max(1, total.total.length);
  // An incident worth a FinOps analyst's time moves the bill: 1 % of an average day, or the floor.
  const minImpact = Math.max(ctx.minImpact ?? 0.01, meanDaily * 0.01);
  const found = findIncidents(total.dates, total.total, split?.series ?? new Map(), {
    from: report.start,
    minImpact,
  });
  const inReport = (i: Incident) =>
    i.start < report.end &&
    (i.kind === "launch" || i.kind === "step" ? i.start >= report.start : i.end >= report.start);
  const dismissed = ctx.dismissed ?? new Set<string>();
  const incidents = found.incidents.filter((i) => inReport(i) && !dismissed.has(i.id));
  const checks = crossChecks(incidents.slice(0, CROSS_CHECKED), total, split);
  const purchases = await listPurchases(ctx, scoped.plan, report, minImpact * 10);
  // A trend worth naming moves the daily cost by a material amount over the data's span.
  const trends = found.trends.filter((t) => Math.abs(t.perDay * total.dates.length) >= minImpact)
    .sort((a, b) => Math.abs(b.perDay) - Math.abs(a.perDay)).slice(0, 3);
  const causes = new Map(
    incidents.filter((i) => i.series === TOTAL && split).map((i) => {
      const t = total.dates.indexOf(i.peakDate);
      const top = attributeDay(split!.series, t).filter((c) => Math.sign(c.excess) === Math.sign(i.impact)).slice(0, 3);
      return [i.id, contributionText(top, cur)];
    }),
  );
  const lines = incidentLines(incidents, trends, purchases.rows, cur, what, report, meanDaily, causes);
  const hidden = found.incidents.filter((i) => inReport(i) && dismissed.has(i.id)).length;
  if (hidden) lines.push("", `_${hidden} incident${hidden === 1 ? "" : "s"} you marked as expected are not listed._`);
  // The method is a paragraph of its own (the page folds it); what was left out is not method.
  lines.push("", METHOD, "");
  const seriesCount = split?.series.size ?? 0;
  if (seriesCount === MAX_SERIES) lines.push(`_Only the ${MAX_SERIES} largest series were scanned._`);
  if (scoped.plan.scopes?.length && scoped.plan !== ctx.plan) {
    lines.push(`_Left out as expected charges: ${scoped.plan.scopes.map((s) => SCOPES[s].label).join("; ")}._`);
  }
  if (notes.length) lines.push("", ...notes.map((n) => `_${n}_`));
  return {
    chart: incidentChart(total, incidents, report, cur, ctx),
    text: lines.join("\n"),
    sql: [total.sql, ...(split ? [split.sql] : []), ...(purchases.sql ? [purchases.sql] : [])],
    result: incidentTable(incidents, checks),
    plan: ctx.plan,
    incidents: incidents.map((i) => i.id),
  };
}

/**
 * The classic z-score and the Isolation Forest score of each spike's or drop's peak day, as
 * cross-checks of the robust score (for the largest incidents, so a wide scan stays fast).
 */
function crossChecks(
  incidents: Incident[],
  total: DailySeries,
  split: DailySeries | null,
): Map<string, { zscore: number; isolation: number }> {
  const out = new Map<string, { zscore: number; isolation: number }>();
  for (const i of incidents) {
    const peak = i.anomalies.find((a) => a.date === i.peakDate);
    const values = i.series === TOTAL ? total.total : split?.series.get(i.series);
    if (!peak || !values) continue;
    const iso = isolationFor(total.dates.map((date, t) => ({ date, value: values[t] })), [i.peakDate]);
    out.set(i.id, { zscore: peak.zscore, isolation: iso.get(i.peakDate) ?? NaN });
  }
  return out;
}

/** With less history than a baseline needs: what there is, and what can and cannot be judged. */
function tooLittleHistory(ctx: InsightContext, total: DailySeries, what: string, cur: string | null): InsightOutput {
  const top = total.dates.map((date, i) => ({ date, value: total.total[i] }))
    .sort((a, b) => b.value - a.value).slice(0, 3);
  const text = [
    `I have ${total.dates.length} days of ${what} (${total.dates[0] ?? "?"} to ${
      total.dates[total.dates.length - 1] ?? "?"
    }). Calling a day unusual needs at least ${MIN_HISTORY_DAYS} days: four of the same weekday before it and two ` +
    `weeks of its normal spread. So I won't call anything an anomaly in this data yet.`,
    "",
    `What I can say from it: the most expensive days were ${
      top.map((d) => `${d.date} (${formatMoney(d.value, cur)})`).join(", ")
    }; ask "why did cost change on ${top[0]?.date ?? "a day"}?" to break a day down.`,
  ].join("\n");
  return { text, sql: [total.sql], result: null, plan: ctx.plan };
}

/** One-time and commitment purchases in the period: reported as purchases, never as spikes. */
async function listPurchases(
  ctx: InsightContext,
  plan: QueryPlan,
  report: TimeRange,
  minAmount: number,
): Promise<{ sql: string | null; rows: { date: string; what: string; amount: number }[] }> {
  if (!columnResolver(ctx.meta)("ChargeCategory") || !ctx.meta.canonical.includes("ServiceName")) {
    return { sql: null, rows: [] };
  }
  const purchasePlan: QueryPlan = {
    ...plan,
    scopes: [],
    filters: [...plan.filters.filter((f) => f.column !== "ChargeCategory"), {
      column: "ChargeCategory",
      op: "in",
      values: ["Purchase"],
    }],
  };
  const daily = await fetchDaily(ctx, purchasePlan, ["ServiceName"], report);
  const rows: { date: string; what: string; amount: number }[] = [];
  for (const [key, values] of daily.series) {
    values.forEach((v, i) => v >= minAmount && rows.push({ date: daily.dates[i], what: key, amount: v }));
  }
  return { sql: daily.sql, rows: rows.sort((a, b) => b.amount - a.amount).slice(0, 5) };
}

/** The answer's lines: incidents first (largest impact), then trends and purchases. */
function incidentLines(
  incidents: Incident[],
  trends: Trend[],
  purchases: { date: string; what: string; amount: number }[],
  cur: string | null,
  what: string,
  report: TimeRange,
  meanDaily: number,
  causes: Map<string, string>,
): string[] {
  const fmt = (v: number) => formatMoney(v, cur);
  const period = `${report.start} to ${addDays(report.end, -1)}`;
  const lines: string[] = [];
  if (!incidents.length) {
    lines.push(
      `**No anomalies in ${what}** from ${period}: no day was both unusual and material (at least ${
        fmt(Math.max(0.01, meanDaily * 0.01))
      }).`,
    );
  } else {
    lines.push(
      `**${incidents.length} incident${
        incidents.length === 1 ? "" : "s"
      } in ${what}** from ${period}, largest impact first:`,
      "",
    );
    incidents.slice(0, LISTED).forEach((i, n) => {
      lines.push(`${n + 1}. ${incidentText(i, cur)}`);
      if (causes.has(i.id)) lines.push(`   Root cause on ${i.peakDate}: ${causes.get(i.id)}`);
    });
    if (incidents.length > LISTED) lines.push(`…and ${incidents.length - LISTED} more in the result table.`);
  }
  for (const t of trends) {
    const perMonth = t.perDay * 30;
    lines.push(
      "",
      `**Trend, not anomalies:** the daily cost of ${t.series === TOTAL ? "the whole bill" : t.series} ${
        perMonth >= 0 ? "grows" : "falls"
      } steadily, by about ${fmt(Math.abs(perMonth))} every month (a straight line explains ${
        Math.round(t.r2 * 100)
      }% of its variation).`,
    );
  }
  if (purchases.length) {
    lines.push(
      "",
      `**Purchases (not anomalies):** ${purchases.map((p) => `${fmt(p.amount)} on ${p.date} (${p.what})`).join("; ")}.`,
    );
  }
  return lines;
}

/** One incident in words. */
function incidentText(i: Incident, cur: string | null): string {
  const fmt = (v: number) => formatMoney(v, cur);
  const name = i.series === TOTAL ? "the daily total" : i.series;
  const echo = i.totalEcho ? `; the daily total moved ${formatDelta(i.totalEcho, cur)} with it` : "";
  const id = ` _(${i.id})_`;
  if (i.kind === "launch") {
    return `**${name}** started on ${i.start} at ≈ ${fmt(i.actual)} a day${
      i.ongoing ? ", and still runs at that level" : ""
    } (${i.severity} impact)${echo}.${id}`;
  }
  if (i.kind === "step") {
    const pct = i.expected ? ` ${Math.round((i.impact / Math.abs(i.expected)) * 100)}%` : "";
    return `**${name}** stepped ${i.impact > 0 ? "up" : "down"}${pct} on ${i.start} (≈ ${fmt(i.expected)} → ${
      fmt(i.actual)
    } a day) and ${i.ongoing ? "stayed" : `stayed until ${i.end}`} (${i.severity} impact)${echo}.${id}`;
  }
  const span = i.days === 1
    ? `on ${i.start}`
    : `from ${i.start} to ${i.ongoing ? "now (ongoing)" : i.end}, ${i.days} days`;
  return `**${name}**: ${i.kind} ${span}, ${fmt(i.actual)} against ${fmt(i.expected)} expected: **${
    formatDelta(i.impact, cur)
  }**, peak ${i.peakDate}, ${i.severity} severity${echo}.${id}`;
}

/** One row per incident. */
function incidentTable(incidents: Incident[], checks: Map<string, { zscore: number; isolation: number }>) {
  return table(
    [
      ["incident", "string"],
      ["kind", "string"],
      ["series", "string"],
      ["start", "date"],
      ["end", "date"],
      ["days", "number"],
      ["ongoing", "boolean"],
      ["peak_date", "date"],
      ["actual", "number"],
      ["expected", "number"],
      ["impact", "number"],
      ["severity", "string"],
      ["score", "number"],
      ["zscore", "number"],
      ["isolation", "number"],
      ["daily_total_impact", "number"],
    ],
    incidents.slice(0, 100).map((i) => [
      i.id,
      i.kind,
      i.series,
      i.start,
      i.end,
      i.days,
      i.ongoing,
      i.peakDate,
      cents(i.actual),
      cents(i.expected),
      cents(i.impact),
      i.severity,
      round(i.score, 2),
      checks.has(i.id) ? round(checks.get(i.id)!.zscore, 2) : null,
      checks.has(i.id) ? round(checks.get(i.id)!.isolation, 3) : null,
      i.totalEcho === undefined ? null : cents(i.totalEcho),
    ]),
  );
}

/** The daily total over the report, every day of an incident marked with the incident's impact. */
function incidentChart(
  total: DailySeries,
  incidents: Incident[],
  report: TimeRange,
  cur: string | null,
  ctx: InsightContext,
): InsightOutput["chart"] {
  // One labelled dot per incident: the peak of a spike or drop (its span is shaded), the first day of a level change.
  const marks = new Map<string, number>();
  for (const i of incidents) {
    marks.set(i.kind === "spike" || i.kind === "drop" ? i.peakDate : i.start, i.totalEcho ?? i.impact);
  }
  const chart = anomalyChart(
    total.dates.map((date, i) => ({ date, value: total.total[i], mark: marks.get(date) }))
      .filter((r) => r.date >= report.start && r.date < report.end),
    cur,
    // The title says what the text says; with nothing found, a visible peak (a monthly charge, a
    // weekday pattern) is named as expected rather than left unexplained under "0 marked".
    incidents.length
      ? `Daily cost: ${incidents.length} incident${incidents.length === 1 ? "" : "s"} marked`
      : "Daily cost: no anomalies found",
    `${measureLabel(ctx.plan)}${scopeText(ctx.plan, ctx.meta)} · ${
      incidents.length
        ? "shaded: spikes and drops; dots: their peaks and level changes"
        : "peaks seen here are expected: weekday patterns and charges billed on the same day each month"
    }`,
  );
  chart!.input.spans = incidents.filter((i) => i.kind === "spike" || i.kind === "drop").map((i) => ({
    start: i.start < report.start ? report.start : i.start,
    end: i.end,
    label: `${i.series}: ${i.kind} ${formatDelta(i.impact, cur)}`,
  }));
  return chart;
}

/** A daily series with some days marked by their impact, as an anomaly chart. */
function anomalyChart(
  days: { date: string; value: number; mark?: number }[],
  cur: string | null,
  title: string,
  subtitle: string,
): InsightOutput["chart"] {
  return {
    type: "anomalies",
    input: {
      rows: days.map((d) => ({
        date: d.date,
        cost: cents(d.value),
        anomaly: d.mark === undefined ? null : formatMoneyShort(d.mark, cur),
      })),
      time: "date",
      grain: "day",
      measure: "cost",
      measureTitle: "cost per day",
      flag: "anomaly",
      money: true,
      currency: cur,
      title,
      subtitle,
    },
  };
}

function contributionText(list: Contribution[], cur: string | null): string {
  if (!list.length) return "no single series stands out.";
  return list.map((c) => `${c.key} ${formatDelta(c.excess, cur)} (${c.pct.toFixed(0)}% of the excess)`).join("; ");
}

/** A robust score for reading: beyond ±99 the exact size says nothing more. */
function score(s: number): string {
  return Math.abs(s) > 99 ? `${s > 0 ? ">" : "<-"}99` : s.toFixed(1);
}

function round(v: number, d: number): number {
  return Number.isFinite(v) ? Number(v.toFixed(d)) : v;
}

const MONTH_WORD =
  /\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|\d{4}-\d{2}|\b(last|this|previous) month\b/;

/**
 * "the 14th" names a day of no particular month. The planner reads it in the latest month;
 * for "why did it spike on the 14th" the right 14th is the one that stands out.
 */
function bareOrdinal(text: string): number | null {
  const m = text.match(/\bthe (\d{1,2})(?:st|nd|rd|th)\b/);
  if (!m || MONTH_WORD.test(text)) return null;
  const d = Number(m[1]);
  return d >= 1 && d <= 31 ? d : null;
}

async function explainDay(ctx: InsightContext): Promise<InsightOutput> {
  const { meta, notes } = ctx;
  const dr = meta.dateRange!;
  const scoped = singleCurrency({ ...ctx.plan, time: { range: null, grain: null } }, meta, notes);
  const cur = scoped.currency;
  const fmt = (v: number) => formatMoney(v, cur);
  const sql: string[] = [];
  let day = ctx.plan.time.range!.start;

  const ordinal = bareOrdinal(ctx.text);
  if (ordinal) {
    const whole = await fetchDaily(ctx, scoped.plan, [], null);
    sql.push(whole.sql);
    const m = new Map([["total", whole.total]]);
    const candidates = whole.dates.map((d, i) => ({ d, i })).filter((c) => Number(c.d.slice(8)) === ordinal);
    const scored = candidates.map((c) => ({ ...c, excess: attributeDay(m, c.i)[0]?.excess ?? 0 }));
    const best = scored.sort((a, b) => Math.abs(b.excess) - Math.abs(a.excess))[0];
    if (best && best.d !== day) {
      notes.push(
        `I read 'the ${ordinal}${suffix(ordinal)}' as ${best.d}: of the ${candidates.length} such days in the data, ` +
          `it is the furthest from normal.`,
      );
      day = best.d;
    }
  }
  const plan: QueryPlan = {
    ...ctx.plan,
    time: { range: { start: day, end: addDays(day, 1), label: day }, grain: null },
  };
  if (day < dr.start || day > dr.end) {
    return {
      text: `${day} is outside the data, which covers ${dr.start} to ${dr.end}.`,
      sql,
      result: null,
      plan,
    };
  }
  const what = `${measureLabel(plan).toLowerCase()}${
    scopeText({ ...plan, time: { range: null, grain: null } }, meta, false)
  }`;
  const dims = breakdownDims(ctx.plan, meta);
  const usage = USAGE_COLUMNS.find((c) => meta.canonical.includes(c));
  const fineDims = usage ? [...dims, usage] : dims;
  const range = { start: addDays(day, -LOOKBACK_DAYS), end: addDays(day, 1), label: "" };
  const daily = await fetchDaily(ctx, scoped.plan, fineDims, range);
  sql.push(daily.sql);
  const t = daily.dates.indexOf(day);
  const totalMap = new Map([["total", daily.total]]);
  const [base] = attributeDay(totalMap, t);
  const flagged = detectAnomalies(daily.dates.map((date, i) => ({ date, value: daily.total[i] })))
    .find((a) => a.date === day);
  const lines: string[] = [];
  const rel = base.expected > 0
    ? ` (${base.excess >= 0 ? "+" : ""}${((base.excess / base.expected) * 100).toFixed(0)}%)`
    : "";
  lines.push(
    `**On ${day}, ${what} was ${fmt(base.actual)}**, against ${fmt(base.expected)} expected (the median of the ` +
      `same weekday in the 4 weeks before): **${formatDelta(base.excess, cur)}**${rel}. ` +
      (flagged
        ? `That is an anomaly: robust score ${score(flagged.score)} (normal range ${fmt(Math.max(0, flagged.low))} – ${
          fmt(flagged.high)
        }).`
        : `That is within the normal range of the series; nothing anomalous stands out.`),
  );
  const breakdown: Contribution[] = [];
  if (Math.abs(base.excess) > 1e-9 && daily.parts.size) {
    lines.push("", "**Where the difference comes from:**");
    fineDims.forEach((d, i) => {
      const top = attributeDay(rollUp(daily, i), t).filter((c) => Math.sign(c.excess) === Math.sign(base.excess))
        .slice(0, 3);
      lines.push(`- by ${columnLabel(d)}: ${contributionText(top, cur)}`);
    });
    const finest = attributeDay(daily.series, t).slice(0, 5);
    breakdown.push(...finest);
    lines.push(
      `- most specific (${fineDims.map(columnLabel).join(" · ")}): ${
        contributionText(finest.filter((c) => Math.sign(c.excess) === Math.sign(base.excess)).slice(0, 3), cur)
      }`,
    );
  }
  lines.push("", METHOD);
  if (notes.length) lines.push("", ...notes.map((n) => `_${n}_`));
  return {
    chart: anomalyChart(
      daily.dates.map((date, i) => ({ date, value: daily.total[i], mark: date === day ? base.excess : undefined })),
      cur,
      `${day}: ${formatDelta(base.excess, cur)} against the expected ${fmt(base.expected)}`,
      `${measureLabel(plan)}${scopeText({ ...plan, time: { range: null, grain: null } }, meta, false)} · ` +
        `${daily.dates[0]} to ${daily.dates[daily.dates.length - 1]}`,
    ),
    text: lines.join("\n"),
    sql,
    result: table(
      [["series", "string"], ["actual", "number"], ["expected", "number"], ["excess", "number"], [
        "pct_of_excess",
        "number",
      ]],
      [
        ["total", cents(base.actual), cents(base.expected), cents(base.excess), 100],
        ...breakdown.map((c) => [
          c.key,
          cents(c.actual),
          cents(c.expected),
          cents(c.excess),
          round(c.pct, 1),
        ]),
      ],
    ),
    plan,
  };
}

function suffix(d: number): string {
  if (d % 10 === 1 && d !== 11) return "st";
  if (d % 10 === 2 && d !== 12) return "nd";
  if (d % 10 === 3 && d !== 13) return "rd";
  return "th";
}
