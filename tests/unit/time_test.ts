import assert from "node:assert/strict";
import { describeRange, parseTime, previousPeriod } from "../../agents/time.ts";

const ANCHOR = "2025-06-30";
const cases: [string, string | null, string | null, string | null][] = [
  ["cost in march 2025", "2025-03-01", "2025-04-01", null],
  ["spend in Mar 2025", "2025-03-01", "2025-04-01", null],
  ["cost for 2025-03", "2025-03-01", "2025-04-01", null],
  ["cost on 2025-03-14", "2025-03-14", "2025-03-15", null],
  ["cost on March 14", "2025-03-14", "2025-03-15", null],
  ["cost on 14 March 2025", "2025-03-14", "2025-03-15", null],
  ["Q3 2024", "2024-07-01", "2024-10-01", null],
  ["q1", "2025-01-01", "2025-04-01", null],
  ["H1 2025", "2025-01-01", "2025-07-01", null],
  ["cost in 2024", "2024-01-01", "2025-01-01", null],
  ["last month", "2025-06-01", "2025-07-01", null],
  ["this month", "2025-06-01", "2025-07-01", null],
  ["last quarter", "2025-04-01", "2025-07-01", null],
  ["this year", "2025-01-01", "2025-07-01", null],
  ["last year", "2024-01-01", "2025-01-01", null],
  ["last 30 days", "2025-06-01", "2025-07-01", null],
  ["past 2 weeks", "2025-06-17", "2025-07-01", null],
  ["last 3 months", "2025-04-01", "2025-07-01", null],
  ["yesterday", "2025-06-30", "2025-07-01", null],
  ["since january", "2025-01-01", "2025-07-01", null],
  ["since 2025-05-15", "2025-05-15", "2025-07-01", null],
  ["between March 2025 and May 2025", "2025-03-01", "2025-06-01", null],
  ["from january to march", "2025-01-01", "2025-04-01", null],
  ["what changed between april and may", "2025-04-01", "2025-05-01", "2025-05-01"],
  ["march vs april", "2025-03-01", "2025-04-01", "2025-04-01"],
  ["spend in may", "2025-05-01", "2025-06-01", null],
  ["may I see the costs", null, null, null],
  ["how does june compare with may", "2025-06-01", "2025-07-01", "2025-05-01"],
  ["compare june to may", "2025-06-01", "2025-07-01", "2025-05-01"],
  ["may vs june", "2025-05-01", "2025-06-01", "2025-06-01"],
  ["costs may rise in june", "2025-06-01", "2025-07-01", null],
  ["top 5 services", null, null, null],
  ["ytd", "2025-01-01", "2025-07-01", null],
  ["december", "2024-12-01", "2025-01-01", null],
];

for (const [q, start, end, second] of cases) {
  Deno.test(`parseTime: "${q}"`, () => {
    const t = parseTime(q, ANCHOR);
    assert.equal(t.range?.start ?? null, start);
    assert.equal(t.range?.end ?? null, end);
    assert.equal(t.second?.start ?? null, second);
  });
}

Deno.test("parseTime: last month is the previous month when the data's month is incomplete", () => {
  const t = parseTime("last month", "2025-06-14");
  assert.deepEqual([t.range?.start, t.range?.end], ["2025-05-01", "2025-06-01"]);
});

Deno.test("parseTime: grains", () => {
  assert.equal(parseTime("daily cost", ANCHOR).grain, "day");
  assert.equal(parseTime("cost per week", ANCHOR).grain, "week");
  assert.equal(parseTime("monthly spend", ANCHOR).grain, "month");
  assert.equal(parseTime("quarterly", ANCHOR).grain, "quarter");
  assert.equal(parseTime("total cost", ANCHOR).grain, null);
});

Deno.test("previousPeriod: a month before a month, days before days", () => {
  assert.deepEqual(previousPeriod({ start: "2025-03-01", end: "2025-04-01", label: "March 2025" }), {
    start: "2025-02-01",
    end: "2025-03-01",
    label: "February 2025",
  });
  const p = previousPeriod({ start: "2025-06-10", end: "2025-06-17", label: "x" });
  assert.deepEqual([p.start, p.end], ["2025-06-03", "2025-06-10"]);
});

Deno.test("describeRange states the resolved dates", () => {
  assert.equal(
    describeRange({ start: "2025-03-01", end: "2025-04-01", label: "March 2025" }),
    "March 2025 (2025-03-01 to 2025-03-31)",
  );
  assert.equal(describeRange({ start: "2025-03-14", end: "2025-03-15", label: "2025-03-14" }), "2025-03-14");
});
