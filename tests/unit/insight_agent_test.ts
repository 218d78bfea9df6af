import assert from "node:assert/strict";
import { attributeDay, detectAnomalies } from "../../analytics/anomalies.ts";
import { addDaysIso } from "../../analytics/series.ts";
import { driverPeriods } from "../../agents/insight/drivers.ts";
import { detectAnalysis } from "../../agents/insight/mod.ts";
import { windowFrom } from "../../agents/insight/statistics.ts";
import { parseHorizon } from "../../agents/time.ts";
import type { QueryPlan } from "../../agents/types.ts";

const plan = (range: QueryPlan["time"]["range"] = null): QueryPlan => ({
  measure: "cost",
  basis: "effective",
  groupBy: [],
  filters: [],
  time: { range, grain: null },
  topN: null,
  order: "desc",
});
const day = { start: "2025-05-14", end: "2025-05-15", label: "2025-05-14" };
const may = { start: "2025-05-01", end: "2025-06-01", label: "May 2025" };

const ANALYSES: [string, QueryPlan | null, string | null][] = [
  ["forecast next quarter", null, "forecast"],
  ["predict ec2 spend for july", null, "forecast"],
  ["what will we spend next month", null, "forecast"],
  ["projected cost for the rest of the year", null, "forecast"],
  ["how much in the next 90 days", null, "forecast"],
  ["7-day moving average of ec2", null, "moving_avg"],
  ["rolling average of cost last month", null, "moving_avg"],
  ["correlation between services", null, "correlation"],
  ["do s3 and ec2 correlate", null, "correlation"],
  ["any anomalies last month", null, "anomalies"],
  ["unusual spend in march", null, "anomalies"],
  ["why did ec2 spike on the 14th", plan(day), "anomalies"],
  ["what happened on may 14", plan(day), "anomalies"],
  ["why did costs go up in may", plan(may), "drivers"],
  ["what drove the increase in may", plan(may), "drivers"],
  ["what changed between april and may", plan(may), "drivers"],
  ["top 5 services last month", plan(may), null],
];
for (const [q, p, want] of ANALYSES) {
  Deno.test(`detectAnalysis: "${q}" → ${want}`, () => assert.equal(detectAnalysis(q, p), want));
}

Deno.test("detectAnalysis: a follow-up without analysis words keeps the remembered analysis", () => {
  assert.equal(detectAnalysis("what about s3", { ...plan(), analysis: "forecast" }), "forecast");
});

const HORIZONS: [string, string, string, string, string, boolean][] = [
  ["forecast next quarter", "2025-06-30", "2025-07-01", "2025-10-01", "Q3 2025", true],
  ["forecast next quarter", "2025-12-15", "2026-01-01", "2026-04-01", "Q1 2026", true],
  ["forecast next month", "2025-06-30", "2025-07-01", "2025-08-01", "July 2025", true],
  ["forecast next month", "2025-12-31", "2026-01-01", "2026-02-01", "January 2026", true],
  ["forecast next month", "2025-06-15", "2025-07-01", "2025-08-01", "July 2025", true],
  ["next 45 days", "2025-06-30", "2025-07-01", "2025-08-15", "the next 45 days", true],
  ["next 2 weeks", "2025-06-30", "2025-07-01", "2025-07-15", "the next 2 weeks", true],
  ["next 3 months", "2025-06-30", "2025-07-01", "2025-10-01", "the next 3 months", true],
  ["rest of the month", "2025-06-10", "2025-06-11", "2025-07-01", "the rest of June 2025", true],
  ["rest of the year", "2025-06-30", "2025-07-01", "2026-01-01", "the rest of 2025", true],
  ["next year", "2025-06-30", "2026-01-01", "2027-01-01", "2026", true],
  ["forecast august", "2025-06-30", "2025-08-01", "2025-09-01", "August 2025", true],
  ["forecast march", "2025-06-30", "2026-03-01", "2026-04-01", "March 2026", true],
  ["forecast q4", "2025-06-30", "2025-10-01", "2026-01-01", "Q4 2025", true],
  ["forecast", "2025-06-30", "2025-07-01", "2025-07-31", "the next 30 days", false],
];
for (const [q, last, start, end, label, named] of HORIZONS) {
  Deno.test(`parseHorizon: "${q}" after ${last}`, () => {
    const h = parseHorizon(q, last);
    assert.deepEqual(h, { horizon: { start, end, label }, named });
  });
}
Deno.test("parseHorizon: a named period in the data's past is no horizon", () => {
  assert.deepEqual(parseHorizon("predict july 2024", "2025-06-30"), { horizon: null, named: true });
  assert.deepEqual(parseHorizon("forecast q2 2025", "2025-06-30"), { horizon: null, named: true });
});

Deno.test("windowFrom: window from the question, 7 days by default", () => {
  assert.equal(windowFrom("14-day moving average"), 14);
  assert.equal(windowFrom("30 day rolling mean"), 30);
  assert.equal(windowFrom("2 week rolling average"), 14);
  assert.equal(windowFrom("monthly moving average"), 30);
  assert.equal(windowFrom("moving average"), 7);
  assert.equal(windowFrom("1-day moving average"), 2);
});

Deno.test("driverPeriods: compared periods, a named period and the one before, or the fallback", () => {
  const april = { start: "2025-04-01", end: "2025-05-01", label: "April 2025" };
  assert.deepEqual(driverPeriods({ ...plan(), compare: { kind: "periods", a: april, b: may } }, null), {
    a: april,
    b: may,
  });
  assert.deepEqual(driverPeriods(plan(may), null), { a: april, b: may });
  assert.deepEqual(driverPeriods(plan(), may), { a: april, b: may });
  assert.equal(driverPeriods(plan(), null), null);
});

function series(days: number, f: (t: number, date: string) => number) {
  return Array.from({ length: days }, (_, t) => {
    const date = addDaysIso("2025-01-01", t);
    return { date, value: f(t, date) };
  });
}

Deno.test("anomalies: a charge billed on the same day every month is no anomaly, from its first month on", () => {
  const s = series(181, (t, d) => 100 + (t % 7 === 5 ? -20 : 0) + Math.sin(t) * 2 + (d.endsWith("-01") ? 500 : 0));
  assert.deepEqual(detectAnomalies(s).map((a) => a.date).filter((d) => d.endsWith("-01")), []);
});

Deno.test("anomalies: a monthly charge that starts mid-data is flagged until it has come twice", () => {
  const s = series(181, (t, d) => 100 + Math.sin(t) * 2 + (d.endsWith("-01") && d >= "2025-03" ? 500 : 0));
  assert.deepEqual(detectAnomalies(s).map((a) => a.date).filter((d) => d.endsWith("-01")), [
    "2025-03-01",
    "2025-04-01",
  ]);
});

Deno.test("anomalies: a one-off charge on the first of one month is flagged", () => {
  const s = series(181, (t, d) => 100 + Math.sin(t) * 2 + (d === "2025-04-01" ? 500 : 0));
  assert.deepEqual(detectAnomalies(s).map((a) => a.date), ["2025-04-01"]);
});

Deno.test("anomalies: a one-off spike after monthly charges is still found", () => {
  const s = series(
    181,
    (t, d) => 100 + Math.sin(t) * 2 + (d.endsWith("-01") ? 500 : 0) + (d === "2025-05-14" ? 300 : 0),
  );
  assert.ok(detectAnomalies(s).some((a) => a.date === "2025-05-14" && Math.abs(a.impact - 300) < 10));
});

Deno.test("anomalies: a mostly-zero series gets a finite score", () => {
  const s = series(60, (t) => (t === 40 ? 1000 : 0));
  const [a] = detectAnomalies(s);
  assert.equal(a.date, addDaysIso("2025-01-01", 40));
  assert.ok(Number.isFinite(a.score) && a.score > 3.5);
});

Deno.test("attributeDay: the first week is judged against the weeks after it", () => {
  const m = new Map([["a", [900, ...Array(27).fill(100)]], ["b", Array(28).fill(50)]]);
  const [top] = attributeDay(m, 0);
  assert.equal(top.key, "a");
  assert.equal(top.excess, 800);
  assert.equal(top.pct, 100);
});
