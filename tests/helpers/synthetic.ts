/**
 * Synthetic daily cost series with known trend, weekly seasonality, noise and planted
 * anomalies, for measuring the detectors and forecasts.
 * @module
 */
import { mulberry32, normal } from "../../analytics/random.ts";
import { addDaysIso, type Point, weekday } from "../../analytics/series.ts";

/** A generated series and the anomalies planted in it. */
export interface SyntheticSeries {
  key: string;
  points: Point[];
  planted: string[];
}

const WEEKLY = [1.06, 1.08, 1.07, 1.05, 1.02, 0.82, 0.8];

/** Generates `count` series of `days` days; `anomalies` of them get one spike or drop each. */
export function syntheticSeries(
  opts: { count?: number; days?: number; anomalies?: number; seed?: number; noise?: number; start?: string } = {},
): SyntheticSeries[] {
  const rnd = mulberry32(opts.seed ?? 1);
  const count = opts.count ?? 30;
  const days = opts.days ?? 180;
  const start = opts.start ?? "2025-01-01";
  const out: SyntheticSeries[] = [];
  for (let s = 0; s < count; s++) {
    const level = 50 + rnd() * 950;
    const slope = (rnd() - 0.3) * 0.004; // growth per day, relative
    const noise = opts.noise ?? 0.03;
    const points: Point[] = [];
    for (let d = 0; d < days; d++) {
      const date = addDaysIso(start, d);
      const v = level * (1 + slope * d) * WEEKLY[weekday(date)] * (1 + noise * normal(rnd));
      points.push({ date, value: Math.max(0, v) });
    }
    out.push({ key: `svc-${s} · region-${s % 4}`, points, planted: [] });
  }
  const planted = opts.anomalies ?? 10;
  const used = new Set<number>();
  for (let a = 0; a < planted; a++) {
    let s = Math.floor(rnd() * count);
    while (used.has(s)) s = (s + 1) % count;
    used.add(s);
    const d = 40 + Math.floor(rnd() * (days - 50));
    const p = out[s].points[d];
    p.value *= rnd() < 0.7 ? 2.2 + rnd() * 2 : 0.25;
    out[s].planted.push(p.date);
  }
  return out;
}
