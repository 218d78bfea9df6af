import assert from "node:assert/strict";
import { attributeDay, detectAnomalies } from "../../analytics/anomalies.ts";
import { decomposeChange } from "../../analytics/drivers.ts";
import { backtest, forecastDaily } from "../../analytics/forecast.ts";
import { averagePathLength, isolationScores } from "../../analytics/isolation_forest.ts";
import { addDaysIso, densify, weekday } from "../../analytics/series.ts";
import { correlationMatrix, movingAverage, ranks } from "../../analytics/stats.ts";
import { syntheticSeries } from "../helpers/synthetic.ts";

Deno.test("anomalies: planted spikes and drops inside single series found with precision and recall ≥ 0.9", () => {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const seed of [1, 2, 3]) {
    for (const s of syntheticSeries({ seed, count: 40, anomalies: 12 })) {
      const found = new Set(detectAnomalies(s.points).map((a) => a.date));
      for (const d of s.planted) found.has(d) ? tp++ : fn++;
      for (const d of found) if (!s.planted.includes(d)) fp++;
    }
  }
  const precision = tp / (tp + fp);
  const recall = tp / (tp + fn);
  console.log(
    `anomaly detection: precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)} (tp ${tp}, fp ${fp}, fn ${fn})`,
  );
  assert.ok(precision >= 0.9, `precision ${precision}`);
  assert.ok(recall >= 0.9, `recall ${recall}`);
});

Deno.test("anomalies: each carries expected, range, impact and cross-check scores", () => {
  const [s] = syntheticSeries({ seed: 5, count: 1, anomalies: 1 });
  const [a] = detectAnomalies(s.points);
  assert.equal(a.date, s.planted[0]);
  assert.ok(a.actual > a.high || a.actual < a.low);
  assert.equal(Math.round((a.actual - a.expected) * 1e6), Math.round(a.impact * 1e6));
  assert.ok(a.isolation > 0.5, `isolation ${a.isolation}`);
  assert.ok(Math.abs(a.score) >= 3.5);
});

Deno.test("forecast: 80% intervals cover 70–90% of held-out days; 95% cover more; MAPE small on clean data", () => {
  let inside80 = 0;
  let inside95 = 0;
  let n = 0;
  const mapes: number[] = [];
  for (let seed = 1; seed <= 12; seed++) {
    for (const s of syntheticSeries({ seed, count: 3, anomalies: 0, days: 150 })) {
      const train = s.points.slice(0, 122);
      const test = s.points.slice(122);
      const r = forecastDaily(train, test.length, { seed });
      if ("error" in r) throw new Error("unexpected");
      mapes.push(r.mape);
      r.points.forEach((p, i) => {
        n++;
        if (test[i].value >= p.lo80 && test[i].value <= p.hi80) inside80++;
        if (test[i].value >= p.lo95 && test[i].value <= p.hi95) inside95++;
      });
    }
  }
  const c80 = inside80 / n;
  const c95 = inside95 / n;
  console.log(`forecast coverage on held-out days: 80% → ${(c80 * 100).toFixed(1)}%, 95% → ${(c95 * 100).toFixed(1)}%`);
  assert.ok(c80 >= 0.7 && c80 <= 0.9, `80% coverage ${c80}`);
  assert.ok(c95 > c80 && c95 >= 0.88, `95% coverage ${c95}`);
  assert.ok(mapes.reduce((a, b) => a + b, 0) / mapes.length < 0.06);
});

Deno.test("forecast: the horizon total interval is not the sum of daily bounds, and contains the point total", () => {
  const [s] = syntheticSeries({ seed: 9, count: 1, anomalies: 0, days: 120 });
  const r = forecastDaily(s.points, 30);
  if ("error" in r) throw new Error("unexpected");
  const sumLo = r.points.reduce((a, p) => a + p.lo80, 0);
  const sumHi = r.points.reduce((a, p) => a + p.hi80, 0);
  assert.ok(r.total.lo80 <= r.total.forecast && r.total.forecast <= r.total.hi80);
  assert.ok(r.total.hi80 - r.total.lo80 < sumHi - sumLo, "narrower than summed bounds");
  assert.ok(r.total.lo95 <= r.total.lo80 && r.total.hi95 >= r.total.hi80);
  assert.equal(r.points.length, 30);
  assert.equal(r.points[0].date, addDaysIso(s.points.at(-1)!.date, 1));
  assert.ok(r.coverage80 > 0.5 && r.coverage80 <= 1);
});

Deno.test("forecast: weekly pattern picks the weekday model; too little history is refused", () => {
  const [s] = syntheticSeries({ seed: 3, count: 1, anomalies: 0, days: 120, noise: 0.01 });
  const r = forecastDaily(s.points, 14);
  if ("error" in r) throw new Error("unexpected");
  assert.equal(r.model, "trend_weekday");
  assert.ok(r.mapeByModel.trend_weekday < r.mapeByModel.linear_trend);
  const short = forecastDaily(s.points.slice(0, 10), 7);
  assert.deepEqual(short, { error: "not_enough_history", days: 10, needed: 14 });
});

Deno.test("backtest: a perfect line has zero error", () => {
  const y = Array.from({ length: 60 }, (_, i) => 10 + 2 * i);
  assert.ok(backtest(y, "linear_trend", 7, 0).mape < 1e-9);
});

Deno.test("attributeDay: the series carrying the spike gets the excess", () => {
  const flat = Array.from({ length: 35 }, () => 10);
  const spiky = [...flat];
  spiky[34] = 50;
  const rows = attributeDay(new Map([["calm", flat], ["spiky", spiky]]), 34);
  assert.deepEqual(rows.map((r) => [r.key, r.excess, Math.round(r.pct)]), [["spiky", 40, 100], ["calm", 0, 0]]);
});

Deno.test("decomposeChange: items, new and gone, volume plus rate equals change", () => {
  const r = decomposeChange([
    { key: "EC2", costA: 100, costB: 150, qtyA: 10, qtyB: 12 },
    { key: "S3", costA: 0, costB: 5 },
    { key: "RDS", costA: 20, costB: 0 },
  ]);
  assert.equal(r.change, 35);
  assert.equal(r.totalA, 120);
  assert.equal(Math.round(r.changePct! * 100) / 100, 29.17);
  assert.deepEqual(r.drivers.map((d) => [d.key, d.status]), [["EC2", "up"], ["RDS", "gone"], ["S3", "new"]]);
  const ec2 = r.drivers[0];
  assert.equal(ec2.volume, 20);
  assert.equal(Math.round(ec2.rate! * 1e9) / 1e9, 30);
  assert.equal(ec2.volume! + ec2.rate!, ec2.change);
});

Deno.test("stats: moving average, ranks with ties, Pearson and Spearman", () => {
  assert.deepEqual(movingAverage([1, 2, 3, 4], 2), [null, 1.5, 2.5, 3.5]);
  assert.deepEqual(ranks([10, 20, 20, 5]), [2, 3.5, 3.5, 1]);
  const m = correlationMatrix({ a: [1, 2, 3, 4], b: [2, 4, 6, 8], c: [4, 3, 2, 1], k: [1, 1, 1, 1] });
  assert.deepEqual(m.matrix[0], [1, 1, -1, null]);
  const sp = correlationMatrix({ a: [1, 2, 3, 4], b: [1, 4, 9, 16] }, "spearman");
  assert.equal(sp.matrix[0][1], 1);
});

Deno.test("series helpers and isolation forest basics", () => {
  assert.deepEqual(densify([{ date: "2025-01-01", value: 1 }, { date: "2025-01-03", value: 2 }]).map((p) => p.value), [
    1,
    0,
    2,
  ]);
  assert.equal(weekday("2025-06-30"), 0);
  assert.equal(averagePathLength(2), 1);
  const scores = isolationScores([[1], [1.1], [0.9], [1], [1.05], [0.95], [9]]);
  assert.equal(scores.indexOf(Math.max(...scores)), 6);
});

Deno.test("forecast: the horizon total's 80% interval covers 70–90% of held-out month totals", () => {
  let inside = 0;
  let n = 0;
  for (const seed of [7, 8]) {
    for (const s of syntheticSeries({ seed, count: 40, days: 240, anomalies: 0 })) {
      const r = forecastDaily(s.points.slice(0, -30), 30);
      if ("error" in r) continue;
      const actual = s.points.slice(-30).reduce((a, p) => a + p.value, 0);
      n++;
      if (actual >= r.total.lo80 && actual <= r.total.hi80) inside++;
    }
  }
  console.log(`forecast: month totals inside their 80% interval: ${inside}/${n}`);
  assert.ok(inside / n >= 0.7 && inside / n <= 0.9, `${inside}/${n}`);
});
