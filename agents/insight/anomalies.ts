/**
 * "Any anomalies last month?" and "why did EC2 spike on the 14th?": anomaly scans over the
 * daily total and every service × region × account series, and the explanation of one day by
 * the series that carry its excess (analytics/anomalies.ts).
 * @module
 */
import {
  type Anomaly,
  attributeDay,
  type Contribution,
  detectAnomalies,
  isolationFor,
} from "../../analytics/anomalies.ts";
import { columnLabel, measureLabel, scopeText } from "../answer.ts";
import { formatDelta, formatMoney, formatMoneyShort } from "../format.ts";
import { addDays, isOneDay } from "../time.ts";
import type { QueryPlan } from "../types.ts";
import {
  breakdownDims,
  cents,
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
/** Anomalies given the Isolation Forest cross-check (the largest), so a wide scan stays fast. */
const CROSS_CHECKED = 25;

const METHOD =
  "**Method:** each day is compared with the median of the same weekday in the 4 weeks before it, corrected for " +
  "the series' recent drift; the robust score is the difference in units of the median absolute deviation " +
  "(×1.4826) of the last 8 weeks' residuals, flagged above 3.5 (Iglewicz & Hoaglin) when the day is also at " +
  "least 15% off its expected value. A classic z-score and an Isolation Forest score (0.5 normal, → 1 " +
  "isolated; for the 25 largest) are shown as cross-checks.";

/** Words naming a usage-level column, in the order we prefer for root causes. */
const USAGE_COLUMNS = ["SkuId", "ChargeDescription"] as const;

/** One found anomaly with the series it belongs to. */
interface Found {
  series: string;
  a: Anomaly;
}

/** Runs an anomaly scan, or explains one day when the plan names a single day. */
export function runAnomalies(ctx: InsightContext): Promise<InsightOutput> {
  const plan: QueryPlan = { ...ctx.plan, analysis: "anomalies" };
  return isOneDay(plan.time.range) ? explainDay({ ...ctx, plan }) : scan({ ...ctx, plan });
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
  const fetchStart = addDays(report.start, -LOOKBACK_DAYS);
  const fetchRange = { start: fetchStart, end: report.end, label: "" };
  const scoped = singleCurrency(ctx.plan, meta, notes);
  const cur = scoped.currency;
  const fmt = (v: number) => formatMoney(v, cur);
  const dims = breakdownDims(ctx.plan, meta);
  const total = await fetchDaily(ctx, scoped.plan, [], fetchRange);
  const split = dims.length ? await fetchDaily(ctx, scoped.plan, dims, fetchRange, MAX_SERIES) : null;
  const inReport = (d: string) => d >= report.start && d < report.end;
  const meanDaily = total.total.reduce((s, v) => s + v, 0) / Math.max(1, total.total.length);
  // An anomaly worth a FinOps analyst's time moves the bill: at least 0.5 % of an average day.
  const minImpact = Math.max(0.01, meanDaily * 0.005);
  const points = (values: number[]) => total.dates.map((date, i) => ({ date, value: values[i] }));

  const found: Found[] = [];
  const all = new Map([["daily total", total.total], ...(split?.series ?? [])]);
  for (const [key, values] of all) {
    for (const a of detectAnomalies(points(values), { minImpact, isolation: false })) {
      if (inReport(a.date)) found.push({ series: key, a });
    }
  }
  found.sort((x, y) => Math.abs(y.a.impact) - Math.abs(x.a.impact));
  const checked = found.slice(0, CROSS_CHECKED);
  for (const key of new Set(checked.map((f) => f.series))) {
    const mine = checked.filter((f) => f.series === key);
    const iso = isolationFor(points(all.get(key)!), mine.map((f) => f.a.date));
    for (const f of mine) f.a.isolation = iso.get(f.a.date) ?? NaN;
  }
  const what = `${measureLabel(ctx.plan).toLowerCase()}${scopeText(ctx.plan, meta, false)}`;
  const seriesCount = split?.series.size ?? 0;
  const scope = `the daily total${
    seriesCount ? ` and ${seriesCount} ${dims.map(columnLabel).join(" × ")} series` : ""
  }`;
  const lines: string[] = [];
  if (total.dates.filter(inReport).length < 14 || total.dates.length < 21) {
    notes.push("There are fewer than three weeks of history here, so expectations use every same weekday available.");
  }
  if (!found.length) {
    lines.push(
      `No anomalies in ${what}: I scanned ${scope}, day by day from ${report.start} to ${
        addDays(report.end, -1)
      }, and no day was both unusual and material (at least ${fmt(minImpact)}).`,
    );
  } else {
    const spikes = found.filter((f) => f.a.impact > 0).length;
    lines.push(
      `**${found.length} anomal${found.length === 1 ? "y" : "ies"} in ${what}** (${spikes} spike${
        spikes === 1 ? "" : "s"
      }, ${found.length - spikes} drop${
        found.length - spikes === 1 ? "" : "s"
      }), scanning ${scope} from ${report.start} to ${addDays(report.end, -1)}; largest impact first:`,
      "",
    );
    found.slice(0, LISTED).forEach((f, i) => {
      const a = f.a;
      const rel = a.expected > 0 ? ` (${a.impact > 0 ? "+" : ""}${((a.impact / a.expected) * 100).toFixed(0)}%)` : "";
      lines.push(
        `${i + 1}. **${a.date}**, ${f.series}: ${fmt(a.actual)} against ${fmt(a.expected)} expected ` +
          `(normal ${fmt(Math.max(0, a.low))} – ${fmt(a.high)}): **${formatDelta(a.impact, cur)}**${rel}; ` +
          `score ${score(a.score)}, z-score ${a.zscore.toFixed(1)}${
            Number.isNaN(a.isolation) ? "" : `, isolation ${a.isolation.toFixed(2)}`
          }.`,
      );
    });
    if (found.length > LISTED) lines.push(`…and ${found.length - LISTED} more in the result table.`);
    // Root cause of the largest anomalies of the total: which series carry the excess.
    const totals = found.filter((f) => f.series === "daily total").slice(0, 3);
    if (split && totals.length) {
      lines.push("", "**Root causes** of the daily total's anomalies:");
      for (const f of totals) {
        const t = total.dates.indexOf(f.a.date);
        const top = attributeDay(split.series, t).filter((c) => Math.sign(c.excess) === Math.sign(f.a.impact))
          .slice(0, 3);
        lines.push(`- ${f.a.date} (${formatDelta(f.a.impact, cur)}): ${contributionText(top, cur)}`);
      }
    }
  }
  lines.push("", METHOD);
  if (seriesCount === MAX_SERIES) lines.push(`Only the ${MAX_SERIES} largest series were scanned.`);
  if (notes.length) lines.push("", ...notes.map((n) => `_${n}_`));
  // The chart: the daily total with its anomalies, or the series of the largest one when the total has none.
  const shown = found.some((f) => f.series === "daily total") || !found.length ? "daily total" : found[0].series;
  const marks = new Map(found.filter((f) => f.series === shown).map((f) => [f.a.date, f.a]));
  const values = all.get(shown)!;
  return {
    chart: anomalyChart(
      total.dates.map((date, i) => ({ date, value: values[i], mark: marks.get(date)?.impact })).filter((r) =>
        inReport(r.date)
      ),
      cur,
      shown === "daily total"
        ? `Daily cost with ${marks.size} anomal${marks.size === 1 ? "y" : "ies"} marked`
        : `Largest anomaly: ${shown}`,
      `${measureLabel(ctx.plan)}${scopeText(ctx.plan, meta)} · marks: robust score ≥ 3.5 and ≥ 15% off`,
    ),
    text: lines.join("\n"),
    sql: [total.sql, ...(split ? [split.sql] : [])],
    result: table(
      [
        ["date", "date"],
        ["series", "string"],
        ["actual", "number"],
        ["expected", "number"],
        ["low", "number"],
        [
          "high",
          "number",
        ],
        ["impact", "number"],
        ["score", "number"],
        ["zscore", "number"],
        ["isolation", "number"],
      ],
      found.slice(0, 100).map((f) => [
        f.a.date,
        f.series,
        cents(f.a.actual),
        cents(f.a.expected),
        cents(Math.max(0, f.a.low)),
        cents(f.a.high),
        cents(f.a.impact),
        round(f.a.score, 2),
        round(f.a.zscore, 2),
        round(f.a.isolation, 3),
      ]),
    ),
    plan: ctx.plan,
  };
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
