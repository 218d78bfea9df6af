/**
 * Level changes in a daily cost series: launches (a series that starts from nothing), steps (a
 * level that moves and stays) and steady trends, found once, so that the days after them are
 * judged against the new level instead of being reported as a run of spikes.
 *
 * Method: binary segmentation (Scott & Knott, Biometrics 1974; the search PELT makes exact,
 * Killick, Fearnhead & Eckley, JASA 2012) with a Gaussian change-in-mean cost computed from
 * prefix sums, a BIC-style penalty (2·σ²·ln n, σ from the median absolute deviation of first
 * differences, which a level shift barely moves) and a minimum segment of a week. One-day
 * spikes are clipped to a robust band first (Hampel filter: rolling median ± 5 MAD), so they
 * never become segments of their own. A steady linear trend (R² ≥ 0.6 over the series) is
 * removed before segmenting and reported as a trend.
 * @module
 */
import { linearRegression, median, medianAbsoluteDeviation, rSquared } from "simple-statistics";

/** A level change found in a series. */
export interface LevelChange {
  kind: "launch" | "step";
  /** Index of the first day at the new level. */
  index: number;
  /** Median level before and after (per day). */
  before: number;
  after: number;
}

/** A series' segments and what they say. */
export interface Segmentation {
  /** Start index of each segment (the first is 0). */
  starts: number[];
  /** Median level of each segment. */
  levels: number[];
  changes: LevelChange[];
  /** A steady trend over the whole series, per day, when there is one. */
  trend: { perDay: number; r2: number } | null;
}

/** Options for {@link segment}. */
export interface SegmentOptions {
  /** Shortest segment, in days (default 7). */
  minSize?: number;
  /** Most change points (default 6). */
  maxChanges?: number;
  /** Smallest relative level change reported as a step (default 0.2). */
  minRelative?: number;
  /** Smallest absolute level change per day reported (default 0). */
  minAbsolute?: number;
}

/** Hampel filter: values further than 5 robust σ from their rolling median (± 3 days) are clipped to it. */
function clipSpikes(values: number[]): number[] {
  return values.map((v, t) => {
    const window = values.slice(Math.max(0, t - 3), t + 4);
    const m = median(window);
    const s = medianAbsoluteDeviation(window) * 1.4826;
    const band = Math.max(5 * s, Math.abs(m) * 0.25);
    return Math.min(Math.max(v, m - band), m + band);
  });
}

/** Best single split of `[from, to)` by the reduction of the sum of squares, or null. */
function bestSplit(prefix: number[], prefix2: number[], from: number, to: number, minSize: number) {
  const cost = (a: number, b: number) => {
    const n = b - a;
    const s = prefix[b] - prefix[a];
    return prefix2[b] - prefix2[a] - (s * s) / n;
  };
  const whole = cost(from, to);
  let best: { at: number; gain: number } | null = null;
  for (let k = from + minSize; k <= to - minSize; k++) {
    const gain = whole - cost(from, k) - cost(k, to);
    if (!best || gain > best.gain) best = { at: k, gain };
  }
  return best;
}

/**
 * Segments a dense daily series into levels and names the level changes.
 *
 * @example
 * segment([...Array(30).fill(10), ...Array(30).fill(20)]).changes
 * // → [{kind: "step", index: 30, before: 10, after: 20}]
 */
export function segment(values: number[], opts: SegmentOptions = {}): Segmentation {
  const n = values.length;
  const minSize = opts.minSize ?? 7;
  const none: Segmentation = { starts: [0], levels: [n ? median(values) : 0], changes: [], trend: null };
  if (n < 2 * minSize) return none;
  const trend = steadyTrend(values);
  const base = trend ? values.map((v, t) => v - trend.perDay * t) : values;
  const clipped = clipSpikes(base);
  const diffs = clipped.slice(1).map((v, t) => v - clipped[t]);
  const sigma = Math.max(medianAbsoluteDeviation(diffs) * 1.4826 / Math.SQRT2, 1e-9);
  const penalty = 2 * sigma * sigma * Math.log(n) * 4;
  const prefix = [0];
  const prefix2 = [0];
  for (const v of clipped) {
    prefix.push(prefix[prefix.length - 1] + v);
    prefix2.push(prefix2[prefix2.length - 1] + v * v);
  }
  const cuts: number[] = [];
  const queue: [number, number][] = [[0, n]];
  while (queue.length && cuts.length < (opts.maxChanges ?? 6)) {
    const [from, to] = queue.shift()!;
    const split = bestSplit(prefix, prefix2, from, to, minSize);
    if (!split || split.gain < penalty) continue;
    cuts.push(split.at);
    queue.push([from, split.at], [split.at, to]);
  }
  const starts = [0, ...cuts.sort((a, b) => a - b)];
  // Levels of the detrended series: a trend's share of each day is added back by segmentLevels.
  const levels = starts.map((s, i) => median(base.slice(s, starts[i + 1] ?? n)));
  return { starts, levels, changes: namedChanges(starts, levels, opts), trend };
}

/** The level changes worth naming: a start from (almost) nothing is a launch, a lasting move a step. */
function namedChanges(starts: number[], levels: number[], opts: SegmentOptions): LevelChange[] {
  const out: LevelChange[] = [];
  for (let i = 1; i < starts.length; i++) {
    const before = levels[i - 1];
    const after = levels[i];
    const delta = Math.abs(after - before);
    if (delta < (opts.minAbsolute ?? 0)) continue;
    const launch = Math.abs(before) <= 0.02 * Math.abs(after) && Math.abs(after) > 0;
    if (launch) out.push({ kind: "launch", index: starts[i], before, after });
    else if (delta >= (opts.minRelative ?? 0.2) * Math.max(Math.abs(before), 1e-9)) {
      out.push({ kind: "step", index: starts[i], before, after });
    }
  }
  return out;
}

/**
 * A linear trend explaining most of the series (R² ≥ 0.6) that moves it at least 20 %, or null.
 * A series that one level step explains better (a launch, a step) has no trend.
 */
function steadyTrend(values: number[]): { perDay: number; r2: number } | null {
  const points = values.map((v, t) => [t, v]);
  const fit = linearRegression(points);
  const r2 = rSquared(points, (x) => fit.m * x + fit.b);
  const level = Math.abs(median(values)) || 1e-9;
  if (!(r2 >= 0.6) || Math.abs(fit.m * values.length) < 0.2 * level) return null;
  const lineCost = values.reduce((s, v, t) => s + (v - (fit.m * t + fit.b)) ** 2, 0);
  const prefix = [0];
  const prefix2 = [0];
  for (const v of values) {
    prefix.push(prefix[prefix.length - 1] + v);
    prefix2.push(prefix2[prefix2.length - 1] + v * v);
  }
  const n = values.length;
  const whole = prefix2[n] - (prefix[n] * prefix[n]) / n;
  const step = bestSplit(prefix, prefix2, 0, n, 7);
  if (step && whole - step.gain < lineCost) return null;
  return { perDay: fit.m, r2 };
}

/** The level each day is judged against: its segment's level (plus the trend when there is one). */
export function segmentLevels(seg: Segmentation, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < seg.starts.length; i++) {
    const end = seg.starts[i + 1] ?? n;
    for (let t = seg.starts[i]; t < end; t++) out.push(seg.levels[i] + (seg.trend ? seg.trend.perDay * t : 0));
  }
  return out;
}

/** Index of the segment a day belongs to. */
export function segmentOf(seg: Segmentation, t: number): number {
  let i = 0;
  while (i + 1 < seg.starts.length && seg.starts[i + 1] <= t) i++;
  return i;
}
