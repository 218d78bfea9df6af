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
  /** Isolation Forest score (0.5 normal, → 1 anomalous). */
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
}

/**
 * Expected value and robust scale for each day, from the same weekday in the previous weeks.
 * Days without enough history get `null`.
 */
export function weekdayBaseline(
  values: number[],
  weeks = 4,
): ({ expected: number; sigma: number; global?: boolean } | null)[] {
  return values.map((_, t) => {
    const same: number[] = [];
    for (let k = 1; k <= weeks; k++) if (t - 7 * k >= 0) same.push(values[t - 7 * k]);
    if (same.length < 2) return null;
    // Residuals of the last eight weeks against their own weekday medians.
    const resid: number[] = [];
    for (let j = Math.max(0, t - 56); j < t; j++) {
      const prior: number[] = [];
      for (let k = 1; k <= weeks; k++) if (j - 7 * k >= 0) prior.push(values[j - 7 * k]);
      if (prior.length >= 2) resid.push(values[j] - median(prior));
    }
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
  const values = series.map((p) => p.value);
  if (values.length < 15) return [];
  const base = weekdayBaseline(values, opts.weeks ?? 4);
  // Days too early for a trailing baseline are judged against the whole series: the median of
  // the same weekday across all weeks, scaled by the MAD of all days' deviations from theirs.
  const byWeekday: number[][] = Array.from({ length: 7 }, () => []);
  values.forEach((v, t) => byWeekday[t % 7].push(v));
  const wdMed = byWeekday.map((xs) => (xs.length ? median(xs) : 0));
  const dev = values.map((v, t) => v - wdMed[t % 7]);
  const gSigma = medianAbsoluteDeviation(dev) * 1.4826;
  for (let t = 0; t < base.length; t++) {
    if (!base[t]) {
      base[t] = { expected: wdMed[t % 7], sigma: Math.max(gSigma, Math.abs(wdMed[t % 7]) * 0.02, 1e-9), global: true };
    }
  }
  const mu = mean(values);
  const sd = values.length > 1 ? standardDeviation(values) : 0;
  const scores = base.map((b, t) => (b ? (values[t] - b.expected) / b.sigma : 0));
  const minRel = opts.minRelative ?? 0.15;
  const flagged = scores.map((s, t) => ({ s, t })).filter(({ s, t }) => {
    const b = base[t]!;
    const impact = Math.abs(values[t] - b.expected);
    return Math.abs(s) >= threshold && impact >= (opts.minImpact ?? 0) &&
      impact >= minRel * Math.abs(b.expected);
  });
  if (!flagged.length) return [];
  const iso = isolationScores(values.map((v, t) => [v, base[t] ? v - base[t]!.expected : 0]));
  return flagged.map(({ s, t }) => {
    const b = base[t]!;
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
    const expected = same.length ? median(same) : values[t];
    rows.push({ key, actual: values[t], expected, excess: values[t] - expected, pct: 0 });
  }
  const total = rows.reduce((s, r) => s + r.excess, 0);
  for (const r of rows) r.pct = Math.abs(total) > 1e-9 ? (r.excess / total) * 100 : 0;
  return rows.sort((a, b) => Math.abs(b.excess) - Math.abs(a.excess));
}
