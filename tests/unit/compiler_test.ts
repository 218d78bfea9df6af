import assert from "node:assert/strict";
import { compilePlan } from "../../agents/compiler.ts";
import type { QueryPlan } from "../../agents/types.ts";
import { ValidationError } from "../../errors.ts";
import { fakeMeta } from "../helpers/meta.ts";

const meta = fakeMeta();
const base: QueryPlan = {
  measure: "cost",
  basis: "effective",
  groupBy: [],
  filters: [],
  time: { range: null, grain: null },
  topN: null,
  order: "desc",
};
const VIEW = '"billing_0123456789abcdef0123456789abcdef"';

Deno.test("compile: total", () => {
  const c = compilePlan(base, meta);
  assert.equal(
    c.sql,
    `SELECT SUM("EffectiveCost") AS "effective_cost", COUNT(*) AS "line_items", CAST(MIN("ChargePeriodStart") AS DATE) AS "first_day", CAST(MAX("ChargePeriodStart") AS DATE) AS "last_day" FROM ${VIEW}`,
  );
  assert.equal(c.valueColumn, "effective_cost");
});

Deno.test("compile: top N with filters and a range; literals escaped", () => {
  const c = compilePlan({
    ...base,
    basis: "billed",
    groupBy: ["ServiceName"],
    topN: 5,
    filters: [{ column: "SubAccountName", op: "in", values: ["O'Brien"] }],
    time: { range: { start: "2025-03-01", end: "2025-04-01", label: "March 2025" }, grain: null },
  }, meta);
  assert.equal(
    c.sql,
    `SELECT "ServiceName", SUM("BilledCost") AS "billed_cost" FROM ${VIEW} WHERE "SubAccountName" IN ('O''Brien') AND "ChargePeriodStart" >= TIMESTAMP '2025-03-01' AND "ChargePeriodStart" < TIMESTAMP '2025-04-01' GROUP BY "ServiceName" ORDER BY "billed_cost" DESC NULLS LAST LIMIT 5`,
  );
});

Deno.test("compile: exclusions keep rows where the column is empty", () => {
  const c = compilePlan({ ...base, filters: [{ column: "ChargeCategory", op: "not_in", values: ["Tax"] }] }, meta);
  assert.match(c.sql, /\("ChargeCategory" NOT IN \('Tax'\) OR "ChargeCategory" IS NULL\)/);
});

Deno.test("compile: monthly trend", () => {
  const c = compilePlan({ ...base, time: { range: null, grain: "month" } }, meta);
  assert.match(c.sql, /CAST\(date_trunc\('month', "ChargePeriodStart"\) AS DATE\) AS "month"/);
  assert.match(c.sql, /ORDER BY "month"$/);
  assert.equal(c.timeColumn, "month");
});

Deno.test("compile: compare two periods with change and percent", () => {
  const c = compilePlan({
    ...base,
    groupBy: ["ServiceName"],
    compare: {
      kind: "periods",
      a: { start: "2025-04-01", end: "2025-05-01", label: "April 2025" },
      b: { start: "2025-05-01", end: "2025-06-01", label: "May 2025" },
    },
  }, meta);
  assert.match(c.sql, /AS "April 2025"/);
  assert.match(c.sql, /AS "May 2025"/);
  assert.match(c.sql, /AS "change_pct"/);
  assert.match(c.sql, /ORDER BY ABS\("change"\) DESC/);
});

Deno.test("compile: share of total", () => {
  const c = compilePlan({ ...base, groupBy: ["RegionName"], share: true }, meta);
  assert.match(
    c.sql,
    /SUM\("EffectiveCost"\) \* 100\.0 \/ NULLIF\(SUM\(SUM\("EffectiveCost"\)\) OVER \(\), 0\) AS "share_pct"/,
  );
});

Deno.test("compile: more than one currency is never summed together", () => {
  const m = fakeMeta({ currencies: ["USD", "EUR"], currency: null });
  const total = compilePlan(base, m);
  assert.equal(total.byCurrency, true);
  assert.match(total.sql, /^SELECT "BillingCurrency", SUM/);
  assert.match(total.sql, /GROUP BY "BillingCurrency"/);
  const one = compilePlan({ ...base, filters: [{ column: "BillingCurrency", op: "in", values: ["EUR"] }] }, m);
  assert.equal(one.byCurrency, false);
});

Deno.test("compile: unknown columns, bad dates and missing bases are refused", () => {
  assert.throws(() => compilePlan({ ...base, groupBy: ['x"; DROP TABLE t; --'] }, meta), ValidationError);
  assert.throws(
    () =>
      compilePlan({
        ...base,
        time: { range: { start: "2025-01-01' OR 1=1", end: "2025-02-01", label: "" }, grain: null },
      }, meta),
    ValidationError,
  );
  const m = fakeMeta({ canonical: fakeMeta().canonical.filter((c) => c !== "ListCost") });
  assert.throws(() => compilePlan({ ...base, basis: "list" }, m), ValidationError);
});
