import assert from "node:assert/strict";
import { splitParts } from "../../agents/parts.ts";
import { contentWords, unusedWords } from "../../agents/reading.ts";
import { detectMetricWords, parseAmount } from "../../agents/metric_words.ts";
import { isOrdinary, matchValues, resolveDimension } from "../../agents/signals.ts";
import { planQuestion, readSignals, resolveFollowUp } from "../../agents/planner.ts";
import { columnResolver, METRIC_IDS, METRICS, missingFor, SCOPE_IDS, SCOPES } from "../../analytics/metric_layer.ts";
import { fakeMeta, fakeValues } from "../helpers/meta.ts";
import type { QueryPlan } from "../../agents/types.ts";

const meta = fakeMeta();
const values = fakeValues();

Deno.test("reading: content words leave out grammar and the generic words of a cost question", () => {
  assert.deepEqual(contentWords("what is the total cost of ec2 in march"), ["ec2", "march"]);
  assert.deepEqual(unusedWords("cost by region for the marketing launch", ["by region"]), ["marketing", "launch"]);
  assert.deepEqual(unusedWords("top 5 services", ["top 5", "services"]), []);
});

Deno.test("parts: a question of several parts splits at question words, a list of dimensions does not", () => {
  assert.deepEqual(splitParts("cost by service, region and account"), ["cost by service, region and account"]);
  assert.deepEqual(
    splitParts("Give me a breakdown by service, how much did it grow, which region drove it, anything odd?"),
    ["Give me a breakdown by service", "how much did it grow", "which region drove it", "anything odd?"],
  );
  assert.deepEqual(splitParts("Top 5 services? And the forecast."), ["Top 5 services?", "And the forecast."]);
  // A bare "and" before a wh-word starts a part; before anything else it does not.
  assert.deepEqual(splitParts("total cost in May and what about S3 in June?"), [
    "total cost in May",
    "what about S3 in June?",
  ]);
  assert.deepEqual(splitParts("compare april and may by service and region"), [
    "compare april and may by service and region",
  ]);
});

Deno.test("values: ordinary words need evidence; distinctive, multi-word and quoted values do not", () => {
  const index = {
    ServiceCategory: [{ value: "Identity", n: 4 }, { value: "Compute", n: 40 }],
    ConsumedUnit: [{ value: "Security Checks", n: 2 }],
    product_subscription_type: [{ value: "Monthly", n: 9 }],
    ServiceName: [{ value: "Amazon Elastic Kubernetes Service", n: 3 }],
  };
  assert.ok(isOrdinary("monthly") && !isOrdinary("kubernetes"));
  assert.deepEqual(matchValues("identity anomalies per region", index), []);
  assert.deepEqual(matchValues("monthly cost trend", index), []);
  assert.deepEqual(matchValues("check against invoices", index), []);
  assert.deepEqual(matchValues("kubernetes cost", index).map((m) => m.value), ["Amazon Elastic Kubernetes Service"]);
  assert.deepEqual(matchValues("compute services cost", index).map((m) => [m.value, m.evidence]), [[
    "Compute",
    "services",
  ]]);
  assert.deepEqual(matchValues("security checks by account", index).map((m) => m.value), ["Security Checks"]);
  assert.deepEqual(matchValues("cost for monthly", index, ["monthly"]).map((m) => m.value), ["Monthly"]);
});

Deno.test("dimensions: header words in order, and names without their Name/Id", () => {
  const m = fakeMeta({
    columns: [
      ...fakeMeta().columns,
      { name: "CommitmentDiscountType", type: "VARCHAR", role: "dimension" },
      { name: "BillingAccountName", type: "VARCHAR", role: "dimension" },
      { name: "BillingAccountId", type: "VARCHAR", role: "dimension" },
      { name: "PublisherName", type: "VARCHAR", role: "dimension" },
    ],
  });
  assert.equal(resolveDimension("commitment type", m), "CommitmentDiscountType");
  assert.equal(resolveDimension("billing account", m), "BillingAccountName");
  assert.equal(resolveDimension("publisher", m), "PublisherName");
  assert.equal(resolveDimension("sub account", m), "SubAccountName");
});

Deno.test("metric words: measures, scopes, billing period and budgets", () => {
  const w = (q: string) => detectMetricWords(q, meta).value;
  assert.deepEqual(w("effective savings rate").metrics.slice(0, 1), ["effective_savings_rate"]);
  assert.deepEqual(w("unused reservations").scopes, ["unused_commitments"]);
  assert.deepEqual(w("list vs billed vs effective").metrics, ["list_cost", "billed_cost", "effective_cost"]);
  assert.equal(w("correlate billed and effective cost").sideBySide, false);
  assert.deepEqual(w("tagged vs untagged resources").groupBy, ["@tagged"]);
  assert.equal(w("billed cost per billing period").period, "billing");
  assert.equal(w("billed cost per billing period").grain, "month");
  assert.equal(w("spend against a $15k budget").budget, 15_000);
  assert.equal(w("are we over budget?").budgetWithoutAmount, true);
  assert.equal(w("savings plan cost").metrics.length, 0);
  assert.equal(parseAmount("$1,250.50"), 1250.5);
  assert.equal(parseAmount("2.5m"), 2_500_000);
});

Deno.test("metric layer: every measure and scope names its columns; missing ones are reported", () => {
  for (const id of METRIC_IDS) assert.ok(METRICS[id].label && METRICS[id].how, id);
  for (const id of SCOPE_IDS) assert.ok(SCOPES[id].label, id);
  const resolve = columnResolver(meta);
  assert.deepEqual(missingFor(resolve, "effective", ["commitment_utilization"]), ["CommitmentDiscountStatus"]);
  assert.deepEqual(missingFor(resolve, "effective", ["effective_savings_rate"]), []);
  assert.deepEqual(missingFor(resolve, "effective", [], ["corrections"]), ["ChargeClass"]);
});

Deno.test("stages: signals, follow-up and the reading of a question", () => {
  const sig = readSignals("top 3 services in march 2025 for the zebra launch", { meta, values, memory: null });
  assert.deepEqual(sig.groupBy.value, ["ServiceName"]);
  assert.equal(sig.top.value?.n, 3);
  const last: QueryPlan = {
    measure: "cost",
    basis: "effective",
    groupBy: [],
    filters: [],
    time: { range: { start: "2025-03-14", end: "2025-03-15", label: "2025-03-14" }, grain: null },
    topN: null,
    order: "desc",
  };
  const follow = readSignals("what about ec2?", { meta, values, memory: { lastPlan: last } });
  assert.equal(resolveFollowUp(follow, { lastPlan: last }), "follow_up");
  const out = planQuestion("top 3 services in march 2025 for the zebra launch", { meta, values, memory: null });
  assert.equal(out.kind, "plan");
  if (out.kind === "plan") assert.deepEqual(out.reading.unused, ["zebra", "launch"]);
  const scan = planQuestion("any unusual spikes for ec2?", { meta, values, memory: { lastPlan: last } });
  assert.ok(scan.kind === "plan" && scan.plan.time.range === null, "a new scan does not inherit the day");
});

Deno.test("forecast refusal never says it needs fewer days than it has", async () => {
  const { forecastDaily } = await import("../../analytics/forecast.ts");
  const series = Array.from({ length: 30 }, (_, i) => ({
    date: new Date(Date.UTC(2024, 8, 1 + i)).toISOString().slice(0, 10),
    value: i % 7 === 0 ? 5 : 1,
  }));
  const f = forecastDaily(series, 90);
  if ("error" in f) assert.ok(f.needed > f.days, `${f.days} days, needs ${f.needed}`);
});

Deno.test("metric layer: utilization uses FOCUS 1.1 commitment quantities where the data has them", async () => {
  const { metricDefinition, metricSql } = await import("../../analytics/metric_layer.ts");
  const withStatus = fakeMeta({
    columns: [...fakeMeta().columns, { name: "CommitmentDiscountStatus", type: "VARCHAR", role: "dimension" }],
  });
  const withQuantity = fakeMeta({
    columns: [...withStatus.columns, { name: "CommitmentDiscountQuantity", type: "DOUBLE", role: "measure" }],
  });
  assert.match(metricDefinition("commitment_utilization", columnResolver(withStatus)).how, /effective cost/);
  assert.match(metricDefinition("commitment_utilization", columnResolver(withQuantity)).how, /Quantity/);
  assert.match(
    metricSql("commitment_utilization", columnResolver(withQuantity), "effective"),
    /CommitmentDiscountQuantity/,
  );
});
