/**
 * Anomaly detection on daily cost series.
 *
 * The main method is a robust, weekday-aware z-score: the expected value of a day is the
 * median of the same weekday over the previous weeks, corrected by the median of the recent
 * residuals (the drift of a growing or shrinking series), and the scale is the median absolute
 * deviation (MAD × 1.4826, a consistent estimator of σ for normal data; Rousseeuw & Croux,
 * JASA 1993) of those residuals over the last eight weeks. Medians keep one spike from hiding the next. A classic
 * z-score over the whole series and an Isolation Forest score are computed alongside, as
 * cross-checks reported with each anomaly.
 * @module
 */
import { mean, median, medianAbsoluteDeviation, standardDeviation } from "simple-statistics";
import { isolationScores } from "./isolation_forest.ts";
import type { Point } from "./series.ts";

/** One anomalous day of one series. */
export interface Anomaly {
  date: string;
  actual: number;
  expected: number;
  /** Range of normal values: expected ± threshold × robust σ. */
  low: number;
  high: number;
  /** actual − expected (money): positive for a spike, negative for a drop. */
  impact: number;
  /** Robust z-score. */
  score: number;
  /** Classic z-score of the value over the whole series. */
  zscore: number;
  /** Isolation Forest score (0.5 normal, → 1 anomalous); NaN when not asked for. */
  isolation: number;
}

/** Options for {@link detectAnomalies}. */
export interface AnomalyOptions {
  /** Robust z-score above which a day is anomalous (default 3.5, as Iglewicz & Hoaglin advise). */
  threshold?: number;
  /** Weeks of history behind each day's expectation (default 4). */
  weeks?: number;
  /** Smallest |impact| worth reporting, in money (default 0). */
  minImpact?: number;
  /**
   * Smallest |impact| relative to the expected value (default 0.15): a statistically unusual
   * day that is within 15 % of normal is noise to a FinOps analyst (AWS Cost Anomaly Detection
   * applies similar impact thresholds).
   */
  minRelative?: number;
  /**
   * Whether to compute the Isolation Forest cross-check (default true). A scan over hundreds
   * of series skips it and scores only the anomalies it reports, with {@link isolationFor}.
   */
  isolation?: boolean;
}

/**
 * Expected value and robust scale for each day, from the same weekday in the previous weeks.
 * Days without enough history get `null`.
 */
export function weekdayBaseline(
  values: number[],
  weeks = 4,
): ({ expected: number; sigma: number } | null)[] {
  // Each day's residual against its own weekday median, computed once (it does not depend on
  // the day being judged).
  const sameWeekday = (t: number) => {
    const same: number[] = [];
    for (let k = 1; k <= weeks; k++) if (t - 7 * k >= 0) same.push(values[t - 7 * k]);
    return same;
  };
  const residual = values.map((v, j) => {
    const prior = sameWeekday(j);
    return prior.length >= 2 ? v - median(prior) : null;
  });
  return values.map((_, t) => {
    const same = sameWeekday(t);
    if (same.length < 2) return null;
    // Residuals of the last eight weeks against their own weekday medians.
    const resid: number[] = [];
    for (let j = Math.max(0, t - 56); j < t; j++) if (residual[j] !== null) resid.push(residual[j]!);
    // Fewer than two weeks of residuals is too little to judge by (a noisy scale flags noise).
    if (resid.length < 14) return null;
    // The recent residuals' median is the drift the weekday medians lag behind (growth or
    // decline): adding it keeps a trending series from reading as one long anomaly.
    const expected = median(same) + median(resid);
    const mad = medianAbsoluteDeviation(resid) * 1.4826;
    // A floor on σ (2 % of the level) keeps perfectly flat series from flagging cents.
    const sigma = Math.max(mad, Math.abs(expected) * 0.02, 1e-9);
    return { expected, sigma };
  });
}

/**
 * Finds anomalous days in a dense daily series.
 *
 * @example
 * detectAnomalies(series).map((a) => a.date) // → ["2025-05-14"]
 */
export function detectAnomalies(series: Point[], opts: AnomalyOptions = {}): Anomaly[] {
  const threshold = opts.threshold ?? 3.5;
  if (series.length < 15) return [];
  return flagDays(series, fullBaseline(series, opts.weeks ?? 4, threshold), opts);
}

/**
 * The days of a series that stand out from a given baseline (robust score over the threshold,
 * material, and far enough off in relative terms), with their cross-checks.
 */
export function flagDays(
  series: Point[],
  base: { expected: number; sigma: number }[],
  opts: AnomalyOptions = {},
): Anomaly[] {
  const threshold = opts.threshold ?? 3.5;
  const values = series.map((p) => p.value);
  const mu = mean(values);
  const sd = values.length > 1 ? standardDeviation(values) : 0;
  const scores = base.map((b, t) => (values[t] - b.expected) / b.sigma);
  const minRel = opts.minRelative ?? 0.15;
  const flagged = scores.map((s, t) => ({ s, t })).filter(({ s, t }) => {
    const b = base[t];
    const impact = Math.abs(values[t] - b.expected);
    return Math.abs(s) >= threshold && impact >= (opts.minImpact ?? 0) &&
      impact >= minRel * Math.abs(b.expected);
  });
  if (!flagged.length) return [];
  const iso = opts.isolation === false
    ? values.map(() => NaN)
    : isolationScores(isolationPoints(values, base), { only: flagged.map((f) => f.t) });
  return flagged.map(({ s, t }) => {
    const b = base[t];
    return {
      date: series[t].date,
      actual: values[t],
      expected: b.expected,
      low: b.expected - threshold * b.sigma,
      high: b.expected + threshold * b.sigma,
      impact: values[t] - b.expected,
      score: s,
      zscore: sd > 0 ? (values[t] - mu) / sd : 0,
      isolation: iso[t],
    };
  });
}

/**
 * Every day's expectation and scale as {@link detectAnomalies} judges it: the trailing weekday
 * baseline; for days too early for one, the median of the same weekday across all weeks scaled
 * by the MAD of all days' deviations from theirs; recurring monthly charges added; and a floor
 * on the scale.
 */
function fullBaseline(series: Point[], weeks: number, threshold: number): { expected: number; sigma: number }[] {
  const values = series.map((p) => p.value);
  const trailing = weekdayBaseline(values, weeks);
  const byWeekday: number[][] = Array.from({ length: 7 }, () => []);
  values.forEach((v, t) => byWeekday[t % 7].push(v));
  const wdMed = byWeekday.map((xs) => (xs.length ? median(xs) : 0));
  const gSigma = medianAbsoluteDeviation(values.map((v, t) => v - wdMed[t % 7])) * 1.4826;
  const base = trailing.map((b, t) =>
    b ?? { expected: wdMed[t % 7], sigma: Math.max(gSigma, Math.abs(wdMed[t % 7]) * 0.02, 1e-9) }
  );
  monthlyRecurring(series, base, threshold);
  // A series that is zero most days has no spread: its scale is at least 1 % of its mean size,
  // so a rare charge scores high but finite.
  const floor = mean(values.map(Math.abs)) * 0.01;
  for (const b of base) b.sigma = Math.max(b.sigma, floor, 1e-9);
  return base;
}

/**
 * The baseline of a series cut into level segments (analytics/changepoints.ts): each day is
 * expected at its segment's level plus its weekday's usual offset, with the spread of its own
 * segment, so that after a launch or a step the new level is normal at once; recurring monthly
 * charges are added as in {@link detectAnomalies}.
 */
export function segmentedBaseline(
  series: Point[],
  levels: number[],
  segmentIndex: number[],
  threshold = 3.5,
): { expected: number; sigma: number }[] {
  const values = series.map((p) => p.value);
  const weekday = (t: number) => new Date(series[t].date.slice(0, 10) + "T00:00:00Z").getUTCDay();
  const offsets: number[][] = Array.from({ length: 7 }, () => []);
  values.forEach((v, t) => offsets[weekday(t)].push(v - levels[t]));
  const weekdayOffset = offsets.map((xs) => (xs.length >= 3 ? median(xs) : 0));
  const expected = values.map((_, t) => levels[t] + weekdayOffset[weekday(t)]);
  const spread = new Map<number, number>();
  for (const i of new Set(segmentIndex)) {
    const resid = values.map((v, t) => v - expected[t]).filter((_, t) => segmentIndex[t] === i);
    spread.set(i, resid.length >= 3 ? medianAbsoluteDeviation(resid) * 1.4826 : 0);
  }
  const floor = mean(values.map(Math.abs)) * 0.01;
  const base = expected.map((e, t) => ({
    expected: e,
    sigma: Math.max(spread.get(segmentIndex[t]) ?? 0, Math.abs(e) * 0.02, floor, 1e-9),
  }));
  monthlyRecurring(series, base, threshold);
  return base;
}

/** The features the Isolation Forest sees for each day: the value and its residual. */
function isolationPoints(values: number[], base: { expected: number }[]): number[][] {
  return values.map((v, t) => [v, v - base[t].expected]);
}

/**
 * Isolation Forest scores (Liu, Ting & Zhou, ICDM 2008) of some days of a series, on the same
 * features {@link detectAnomalies} uses: for scans that skip the cross-check at first.
 *
 * @example
 * isolationFor(series, ["2025-05-14"]) // → Map {"2025-05-14" => 0.83}
 */
export function isolationFor(series: Point[], dates: string[], weeks = 4, threshold = 3.5): Map<string, number> {
  const values = series.map((p) => p.value);
  const base = fullBaseline(series, weeks, threshold);
  const idx = dates.map((d) => series.findIndex((p) => p.date === d)).filter((i) => i >= 0);
  const iso = isolationScores(isolationPoints(values, base), { only: idx });
  return new Map(idx.map((i) => [series[i].date, iso[i]]));
}

/**
 * Charges billed on the same day every month (support fees, subscriptions, monthly commitment
 * fees) are normal for that day: when the same day of the previous month stood out the same
 * way (and of the months before it, up to three), the median of those excesses joins the
 * day's expectation.
 * In the data's first month, where nothing came before, the following months are the evidence.
 */
function monthlyRecurring(series: Point[], base: { expected: number; sigma: number }[], threshold: number): void {
  const index = new Map(series.map((p, t) => [p.date.slice(0, 10), t]));
  const raw = base.map((b) => b.expected);
  const firstMonth = series[0]?.date.slice(0, 7) ?? "";
  const lastMonth = series[series.length - 1]?.date.slice(0, 7) ?? "";
  // Same day, k months away (negative k: later); undefined when outside the data or the calendar.
  const sameDay = (date: string, k: number): number | undefined | null => {
    const y = Number(date.slice(0, 4));
    const m0 = Number(date.slice(5, 7)) - 1 - k;
    const ym = `${y + Math.floor(m0 / 12)}-${String(((m0 % 12) + 12) % 12 + 1).padStart(2, "0")}`;
    if (ym < firstMonth || ym > lastMonth) return null;
    // The last day of a month matches the last day of the others (month-end charges).
    const last = (ymd: string) => new Date(Date.UTC(+ymd.slice(0, 4), +ymd.slice(5, 7), 0)).getUTCDate();
    const day = Number(date.slice(8, 10)) === last(date) ? last(`${ym}-01`) : Number(date.slice(8, 10));
    return index.get(`${ym}-${String(day).padStart(2, "0")}`);
  };
  // The run of nearest months (in the order of `ks`) whose same day stood out the same way.
  const exceptional = (t: number, ks: number[]) => {
    const excess: number[] = [];
    let months = 0;
    for (const k of ks) {
      const j = sameDay(series[t].date, k);
      if (j === null) break;
      if (j === undefined) continue;
      months++;
      const r = series[j].value - raw[j];
      if (Math.abs(r) < threshold * base[j].sigma || (excess.length && Math.sign(r) !== Math.sign(excess[0]))) break;
      excess.push(r);
    }
    // Twice in a row, or every month there is: one earlier spike alone does not make a habit
    // (and must not make next month's normal day look like a drop).
    return { months, excess, recurring: excess.length >= 2 || (excess.length > 0 && excess.length === months) };
  };
  for (let t = 0; t < series.length; t++) {
    const before = exceptional(t, [1, 2, 3]);
    if (before.months > 0) {
      if (before.recurring) base[t].expected += median(before.excess);
      continue;
    }
    // The first month of the data: a charge that the next months repeat is the start of a
    // recurring one, not an anomaly.
    const after = exceptional(t, [-1, -2, -3]);
    if (after.excess.length >= 2) base[t].expected += median(after.excess);
  }
}

/** A series' share of a day's excess cost, for root causes. */
export interface Contribution {
  key: string;
  actual: number;
  expected: number;
  excess: number;
  /** Share of the total excess (%). */
  pct: number;
}

/**
 * Attributes one day's excess (actual − expected) to the series that carry it, largest first.
 * `series` maps a key ("Amazon EC2 · us-east-1 · prod") to its dense daily values; `t` is the
 * day's index.
 *
 * @example
 * attributeDay(new Map([["a", [1,1,1,1,1,1,1,1,1,1,1,1,1,1,9]], ["b", [1,…]]]), 14) // → [{key: "a", excess: 8, pct: 100, …}, …]
 */
export function attributeDay(series: Map<string, number[]>, t: number, weeks = 4): Contribution[] {
  const rows: Contribution[] = [];
  for (const [key, values] of series) {
    const same: number[] = [];
    for (let k = 1; k <= weeks; k++) if (t - 7 * k >= 0) same.push(values[t - 7 * k]);
    // The first week has no past: the same weekday of the following weeks stands in.
    if (!same.length) { for (let k = 1; k <= weeks; k++) if (t + 7 * k < values.length) same.push(values[t + 7 * k]); }
    const expected = same.length ? median(same) : values[t];
    rows.push({ key, actual: values[t], expected, excess: values[t] - expected, pct: 0 });
  }
  const total = rows.reduce((s, r) => s + r.excess, 0);
  for (const r of rows) r.pct = Math.abs(total) > 1e-9 ? (r.excess / total) * 100 : 0;
  return rows.sort((a, b) => Math.abs(b.excess) - Math.abs(a.excess));
}
