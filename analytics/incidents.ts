/**
 * Anomaly incidents, as a FinOps team reads them: consecutive unusual days of one series are one
 * incident (start, end or ongoing, duration, peak, total impact, severity); a launch or a level
 * step is one event, after which the new level is normal; steady growth is a trend; the daily
 * total's echo of a series' incident is part of that incident; and nothing below a material
 * share of the bill is reported.
 *
 * Days are judged against a segmented baseline (analytics/changepoints.ts for the levels,
 * analytics/anomalies.ts for the weekday-aware robust score), in the spirit of AWS Cost Anomaly
 * Detection's one-alert-per-anomaly reporting.
 * @module
 */
import { type Anomaly, flagDays, segmentedBaseline } from "./anomalies.ts";
import { segment, segmentLevels, segmentOf } from "./changepoints.ts";
import type { Point } from "./series.ts";

/** What an incident is. */
export type IncidentKind = "spike" | "drop" | "launch" | "step";

/** One incident of one series. */
export interface Incident {
  /** Stable id: the series and the first day (dismissals refer to it). */
  id: string;
  kind: IncidentKind;
  series: string;
  start: string;
  end: string;
  /** Still going on the last day of the data. */
  ongoing: boolean;
  days: number;
  peakDate: string;
  /** Spikes and drops: totals over the incident; launches and steps: per day, before and after. */
  actual: number;
  expected: number;
  /** actual − expected over the incident (launches and steps: per day). */
  impact: number;
  severity: "low" | "medium" | "high";
  /** Largest robust score of its days (0 for launches and steps). */
  score: number;
  /** The daily total's own incident on the same days, merged here (its impact). */
  totalEcho?: number;
  /** The days, with their scores (spikes and drops). */
  anomalies: Anomaly[];
}

/** A steady trend of a series, reported as such. */
export interface Trend {
  series: string;
  perDay: number;
  r2: number;
}

/** Options for {@link findIncidents}. */
export interface IncidentOptions {
  /** First day reported (earlier days are history only); default: the first date. */
  from?: string;
  /** Smallest total impact reported, in money (default 0). */
  minImpact?: number;
  /** Robust score threshold (default 3.5). */
  threshold?: number;
}

/** Name of the whole bill's series. */
export const TOTAL = "daily total";

/** A stable id for an incident. */
export function incidentId(series: string, start: string): string {
  let h = 2166136261;
  for (const ch of `${series}|${start}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return `inc-${start}-${h.toString(16).padStart(8, "0")}`;
}

/** Severity from the impact against an average day of the whole bill. */
function severity(impact: number, meanDaily: number): Incident["severity"] {
  const r = Math.abs(impact) / Math.max(meanDaily, 1e-9);
  return r >= 1 ? "high" : r >= 0.25 ? "medium" : "low";
}

/** One series' level events and anomalous runs. */
function seriesIncidents(
  name: string,
  series: Point[],
  meanDaily: number,
  opts: IncidentOptions,
): { incidents: Incident[]; trend: Trend | null } {
  const values = series.map((p) => p.value);
  const minPerDay = (opts.minImpact ?? 0) / 7;
  const seg = segment(values, { minAbsolute: opts.minImpact ?? 0 });
  const levels = segmentLevels(seg, values.length);
  const index = values.map((_, t) => segmentOf(seg, t));
  const base = segmentedBaseline(series, levels, index, opts.threshold ?? 3.5);
  const flagged = flagDays(series, base, { threshold: opts.threshold, isolation: false, minImpact: minPerDay });
  const last = series[series.length - 1]?.date ?? "";
  // A launch starts on its first day with cost, not where the segments split its ramp.
  const firstDay = (c: { kind: string; index: number; after: number }) => {
    let t = c.index;
    while (c.kind === "launch" && t > 0 && Math.abs(values[t - 1]) > 0.02 * Math.abs(c.after)) t--;
    return t;
  };
  const incidents: Incident[] = seg.changes.map((c) => ({
    id: incidentId(name, series[firstDay(c)].date),
    kind: c.kind,
    series: name,
    start: series[firstDay(c)].date,
    end: series[seg.starts[seg.starts.indexOf(c.index) + 1] - 1]?.date ?? last,
    ongoing: seg.starts[seg.starts.length - 1] === c.index,
    days: (seg.starts[seg.starts.indexOf(c.index) + 1] ?? values.length) - c.index,
    peakDate: series[firstDay(c)].date,
    actual: c.after,
    expected: c.before,
    impact: c.after - c.before,
    // A level change weighs four days of its daily change (a month of it against a week of the bill).
    severity: severity((c.after - c.before) * 4, meanDaily),
    score: 0,
    anomalies: [],
  }));
  incidents.push(...runs(name, series, flagged, meanDaily));
  return {
    incidents,
    trend: seg.trend ? { series: name, perDay: seg.trend.perDay, r2: seg.trend.r2 } : null,
  };
}

/** Consecutive flagged days of the same sign (a gap of one day allowed) as incidents. */
function runs(name: string, series: Point[], flagged: Anomaly[], meanDaily: number): Incident[] {
  const position = new Map(series.map((p, t) => [p.date, t]));
  const out: Incident[] = [];
  let current: Anomaly[] = [];
  const close = () => {
    if (!current.length) return;
    const peak = current.reduce((a, b) => (Math.abs(b.impact) > Math.abs(a.impact) ? b : a));
    const impact = current.reduce((s, a) => s + a.impact, 0);
    const end = current[current.length - 1].date;
    out.push({
      id: incidentId(name, current[0].date),
      kind: impact >= 0 ? "spike" : "drop",
      series: name,
      start: current[0].date,
      end,
      ongoing: end === series[series.length - 1].date,
      days: position.get(end)! - position.get(current[0].date)! + 1,
      peakDate: peak.date,
      actual: current.reduce((s, a) => s + a.actual, 0),
      expected: current.reduce((s, a) => s + a.expected, 0),
      impact,
      severity: severity(impact, meanDaily),
      score: Math.max(...current.map((a) => Math.abs(a.score))),
      anomalies: current,
    });
    current = [];
  };
  for (const a of flagged) {
    const prev = current[current.length - 1];
    const gap = prev ? position.get(a.date)! - position.get(prev.date)! : 0;
    if (prev && (gap > 2 || Math.sign(a.impact) !== Math.sign(prev.impact))) close();
    current.push(a);
  }
  close();
  return out;
}

/** Whether two date ranges overlap (ISO dates, inclusive). */
function overlaps(a: { start: string; end: string }, b: { start: string; end: string }): boolean {
  return a.start <= b.end && b.start <= a.end;
}

/**
 * Incidents of the daily total and every series, merged and ranked by impact. The total's
 * incident is kept only where no series incident of the same sign carries at least half of it;
 * otherwise it is merged into the largest one as its echo. Spikes and drops within two weeks of a
 * launch or step of the same series (the ramp to the new level) are part of that event.
 *
 * @example
 * findIncidents(dates, total, new Map([["EC2", ec2]]), { minImpact: 10 }).incidents[0]
 * // → {kind: "spike", series: "EC2", start: "2025-03-14", days: 1, impact: 812.4, totalEcho: 815.2, …}
 */
export function findIncidents(
  dates: string[],
  total: number[],
  series: Map<string, number[]>,
  opts: IncidentOptions = {},
): { incidents: Incident[]; trends: Trend[] } {
  const meanDaily = total.reduce((s, v) => s + v, 0) / Math.max(1, total.length);
  const points = (values: number[]) => dates.map((date, i) => ({ date, value: values[i] }));
  const all: Incident[] = [];
  const trends: Trend[] = [];
  for (const [name, values] of [[TOTAL, total] as const, ...series]) {
    const found = seriesIncidents(name, points(values), meanDaily, opts);
    all.push(...found.incidents);
    if (found.trend) trends.push(found.trend);
  }
  const events = all.filter((i) => i.kind === "launch" || i.kind === "step");
  // Around a level change the days overshoot and undershoot the new level in both directions
  // (a ramp): part of the event. The total's days are part of it when they move the same way.
  const ramped = (i: Incident) =>
    events.some((e) =>
      (e.series === i.series || (i.series === TOTAL && Math.sign(e.impact) === Math.sign(i.impact))) &&
      daysBetween(e.start, i.start) >= -7 && daysBetween(e.start, i.start) <= 14
    );
  let kept = all.filter((i) => !((i.kind === "spike" || i.kind === "drop") && ramped(i)));
  kept = mergeTotalEchoes(kept);
  const from = opts.from ?? dates[0];
  const material = (i: Incident) => {
    // A level change is material when its daily change alone is; a spike when its total is.
    return Math.abs(i.impact) >= (opts.minImpact ?? 0);
  };
  // Spikes and drops overlapping the report; launches and steps that happened in it (an older
  // level is the baseline now, not news).
  const reported = (i: Incident) => (i.kind === "launch" || i.kind === "step" ? i.start >= from : i.end >= from);
  const incidents = kept.filter((i) => reported(i) && material(i))
    .sort((a, b) => weight(b) - weight(a));
  return { incidents, trends };
}

/** Ranking weight: a launch or step counts a month of its daily change. */
function weight(i: Incident): number {
  return i.kind === "launch" || i.kind === "step" ? Math.abs(i.impact) * 30 : Math.abs(i.impact);
}

function addDays(d: string, n: number): string {
  return new Date(Date.parse(d) + n * 86_400_000).toISOString().slice(0, 10);
}

function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(b) - Date.parse(a)) / 86_400_000);
}

/** The daily total's incidents that a series incident explains become that incident's echo. */
function mergeTotalEchoes(incidents: Incident[]): Incident[] {
  const own = incidents.filter((i) => i.series !== TOTAL);
  const out = [...own];
  // A level event explains the total's moves around its start (the ramp), not for its whole life.
  const span = (i: Incident) =>
    i.kind === "launch" || i.kind === "step" ? { start: addDays(i.start, -7), end: addDays(i.start, 14) } : i;
  for (const t of incidents.filter((i) => i.series === TOTAL)) {
    const carriers = own.filter((i) => overlaps(span(i), t) && Math.sign(i.impact) === Math.sign(t.impact));
    const carried = carriers.reduce((s, i) => s + (i.kind === "spike" || i.kind === "drop" ? i.impact : 0), 0);
    const event = carriers.find((i) => i.kind === "launch" || i.kind === "step");
    if (event || Math.abs(carried) >= 0.5 * Math.abs(t.impact)) {
      const largest = event ?? carriers.reduce((a, b) => (Math.abs(b.impact) > Math.abs(a.impact) ? b : a));
      largest.totalEcho = (largest.totalEcho ?? 0) + t.impact;
    } else out.push(t);
  }
  return out;
}
