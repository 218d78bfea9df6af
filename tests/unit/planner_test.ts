import assert from "node:assert/strict";
import { matchValues, type PlanOutcome, planQuestion, resolveDimension } from "../../agents/planner.ts";
import type { QueryPlan } from "../../agents/types.ts";
import { fakeMeta, fakeValues } from "../helpers/meta.ts";

const meta = fakeMeta();
const values = fakeValues();

function plan(q: string, last: QueryPlan | null = null): QueryPlan {
  const out = planQuestion(q, { meta, values, memory: last ? { lastPlan: last } : null });
  assert.equal(out.kind, "plan", `expected a plan for "${q}", got ${JSON.stringify(out)}`);
  return (out as Extract<PlanOutcome, { kind: "plan" }>).plan;
}

type Expect = {
  groupBy?: string[];
  filters?: [string, "in" | "not_in", string[]][];
  range?: [string, string] | null;
  grain?: string | null;
  topN?: number | null;
  order?: "asc" | "desc";
  basis?: string;
  measure?: string;
  compare?: [string, string] | null;
  share?: boolean;
};

const cases: [string, Expect][] = [
  ["total cost", {
    groupBy: [],
    filters: [],
    range: null,
    grain: null,
    topN: null,
    basis: "effective",
    measure: "cost",
  }],
  ["What is our total spend?", { groupBy: [], range: null, measure: "cost" }],
  ["total billed cost", { basis: "billed" }],
  ["amortized cost last month", { basis: "effective", range: ["2025-06-01", "2025-07-01"] }],
  ["list cost in March 2025", { basis: "list", range: ["2025-03-01", "2025-04-01"], groupBy: [] }],
  ["unblended cost", { basis: "billed" }],
  ["cost by service", { groupBy: ["ServiceName"], topN: null }],
  ["cost per region", { groupBy: ["RegionName"] }],
  ["spend by account", { groupBy: ["SubAccountName"] }],
  ["cost by subscription", { groupBy: ["SubAccountName"] }],
  ["costs by project", { groupBy: ["SubAccountName"] }],
  ["cost by charge category", { groupBy: ["ChargeCategory"] }],
  ["cost by provider", { groupBy: ["ProviderName"] }],
  ["cost by usage type", { groupBy: ["UsageType"] }],
  ["cost by resource group", { groupBy: ["ResourceGroup"] }],
  ["top 5 services last month", {
    groupBy: ["ServiceName"],
    topN: 5,
    order: "desc",
    range: ["2025-06-01", "2025-07-01"],
  }],
  ["Top 3 regions", { groupBy: ["RegionName"], topN: 3 }],
  ["top ten accounts", { groupBy: ["SubAccountName"], topN: 10 }],
  ["most expensive service", { groupBy: ["ServiceName"], topN: 1 }],
  ["cheapest 2 services", { groupBy: ["ServiceName"], topN: 2, order: "asc" }],
  ["bottom 3 regions in Q1", { groupBy: ["RegionName"], topN: 3, order: "asc", range: ["2025-01-01", "2025-04-01"] }],
  ["which accounts cost the most?", { groupBy: ["SubAccountName"] }],
  ["top 5", { groupBy: ["ServiceName"], topN: 5 }],
  ["EC2 cost", { filters: [["ServiceName", "in", ["Amazon Elastic Compute Cloud"]]], groupBy: [] }],
  ["ec2 spend by region", {
    filters: [["ServiceName", "in", ["Amazon Elastic Compute Cloud"]]],
    groupBy: ["RegionName"],
  }],
  ["S3 cost in March 2025", {
    filters: [["ServiceName", "in", ["Amazon Simple Storage Service"]]],
    range: ["2025-03-01", "2025-04-01"],
  }],
  ["how much did lambda cost", { filters: [["ServiceName", "in", ["AWS Lambda"]]] }],
  ["cost of amazon relational database service", {
    filters: [["ServiceName", "in", ["Amazon Relational Database Service"]]],
  }],
  ["cost in us-east-1", { filters: [["RegionId", "in", ["us-east-1"]]] }],
  ["cost in ireland", { filters: [["RegionName", "in", ["Europe (Ireland)"]]] }],
  ["Oregon spend", { filters: [["RegionName", "in", ["US West (Oregon)"]]] }],
  ["cost for prod-data", { filters: [["SubAccountName", "in", ["prod-data"]]] }],
  ["kubernetes cost", {
    filters: [["ServiceName", "in", ["Amazon Elastic Kubernetes Service", "Azure Kubernetes Service"]]],
  }],
  ["EC2 and S3 cost", {
    filters: [["ServiceName", "in", ["Amazon Elastic Compute Cloud", "Amazon Simple Storage Service"]]],
  }],
  ["total excluding tax", { filters: [["ChargeCategory", "not_in", ["Tax"]]] }],
  ["cost without credits", { filters: [["ChargeCategory", "not_in", ["Credit"]]] }],
  ["how much tax did we pay", { filters: [["ChargeCategory", "in", ["Tax"]]] }],
  ["cost by service excluding EC2", {
    groupBy: ["ServiceName"],
    filters: [["ServiceName", "not_in", ["Amazon Elastic Compute Cloud"]]],
  }],
  ["cost per month", { grain: "month", groupBy: [] }],
  ["monthly cost by service", { grain: "month", groupBy: ["ServiceName"] }],
  ["daily spend last month", { grain: "day", range: ["2025-06-01", "2025-07-01"] }],
  ["cost trend", { grain: "month" }],
  ["cost trend last month", { grain: "day" }],
  ["weekly cost", { grain: "week" }],
  ["compare april and may", { compare: ["2025-04-01", "2025-05-01"], range: null }],
  ["March vs April 2025 by service", { compare: ["2025-03-01", "2025-04-01"], groupBy: ["ServiceName"] }],
  ["month over month change", { compare: ["2025-05-01", "2025-06-01"] }],
  ["how did cost change in May", { compare: ["2025-04-01", "2025-05-01"] }],
  ["share of cost by service", { share: true, groupBy: ["ServiceName"] }],
  ["percentage by region", { share: true, groupBy: ["RegionName"] }],
  ["usage quantity of ec2", { measure: "quantity" }],
  ["how many resources do we have", { measure: "resources" }],
  ["number of line items", { measure: "rows" }],
  ["average daily cost last month", { measure: "avg_daily_cost", range: ["2025-06-01", "2025-07-01"], grain: null }],
  ["cost since march", { range: ["2025-03-01", "2025-07-01"] }],
  ["cost between january and march", { range: ["2025-01-01", "2025-04-01"] }],
  ["cost in the last 30 days", { range: ["2025-06-01", "2025-07-01"] }],
  ["AWS cost", { filters: [["ProviderName", "in", ["AWS"]]] }],
  ["microsoft spend by service", { filters: [["ProviderName", "in", ["Microsoft"]]], groupBy: ["ServiceName"] }],
  ["COST BY SERVICE", { groupBy: ["ServiceName"] }],
  ["cost by team tag", { groupBy: ["tag:team"] }],
  ["spend by tag env", { groupBy: ["tag:env"] }],
  ["cost per cost-center tag", { groupBy: ["tag:cost-center"] }],
  ["cost by team", { groupBy: ["tag:team"] }],
  ["platform team cost", { filters: [["tag:team", "in", ["platform"]]] }],
  ["  cost   by   region  ", { groupBy: ["RegionName"] }],
  // typos and casing
  ["cost by regoin", { groupBy: ["RegionName"] }],
  ["cost by sevice", { groupBy: ["ServiceName"] }],
  ["top 5 servics last month", { groupBy: ["ServiceName"], topN: 5, range: ["2025-06-01", "2025-07-01"] }],
  ["totl cost", { groupBy: [], filters: [], measure: "cost" }],
  ["montly cost", { grain: "month" }],
  ["cost by acount", { groupBy: ["SubAccountName"] }],
  ["EC2 cots in March", {
    filters: [["ServiceName", "in", ["Amazon Elastic Compute Cloud"]]],
    range: ["2025-03-01", "2025-04-01"],
  }],
  ["lamda cost", { filters: [["ServiceName", "in", ["AWS Lambda"]]] }],
  ["Cost In IRELAND", { filters: [["RegionName", "in", ["Europe (Ireland)"]]] }],
  ["ec2 COST by REGION", {
    groupBy: ["RegionName"],
    filters: [["ServiceName", "in", ["Amazon Elastic Compute Cloud"]]],
  }],
  ["amortised cost", { basis: "effective" }],
  ["what did we spend on S3 in february?", {
    filters: [["ServiceName", "in", ["Amazon Simple Storage Service"]]],
    range: ["2025-02-01", "2025-03-01"],
  }],
  ["show me spending by subscription for Q2", { groupBy: ["SubAccountName"], range: ["2025-04-01", "2025-07-01"] }],
  ["give me the 3 most expensive accounts", { groupBy: ["SubAccountName"], topN: 3 }],
  ["which region costs the most last quarter", { groupBy: ["RegionName"], range: ["2025-04-01", "2025-07-01"] }],
  ["breakdown by category", { groupBy: ["ChargeCategory"] }],
  ["cost split by provider", { groupBy: ["ProviderName"] }],
  ["how much did prod-platform spend in may", {
    filters: [["SubAccountName", "in", ["prod-platform"]]],
    range: ["2025-05-01", "2025-06-01"],
  }],
  ["RDS spend per month", { filters: [["ServiceName", "in", ["Amazon Relational Database Service"]]], grain: "month" }],
  ["quarterly spend by service", { grain: "quarter", groupBy: ["ServiceName"] }],
  ["yearly cost", { grain: "year" }],
  ["cost year to date", { range: ["2025-01-01", "2025-07-01"] }],
  ["cost this month", { range: ["2025-06-01", "2025-07-01"] }],
  ["spend yesterday", { range: ["2025-06-30", "2025-07-01"] }],
  ["compare EC2 and S3", {
    groupBy: ["ServiceName"],
    filters: [["ServiceName", "in", ["Amazon Elastic Compute Cloud", "Amazon Simple Storage Service"]]],
  }],
  ["week over week change", { compare: ["2025-06-16", "2025-06-23"] }],
  ["year over year change in march 2025", { compare: ["2024-03-01", "2025-03-01"] }],
  ["increase between may and june by account", { compare: ["2025-05-01", "2025-06-01"], groupBy: ["SubAccountName"] }],
  ["cost excluding credits and tax", {
    filters: [["ChargeCategory", "not_in", ["Tax"]], ["ChargeCategory", "not_in", ["Credit"]]],
  }],
  ["what is the cost of kubernetes in us-east-1", {
    filters: [
      ["RegionId", "in", ["us-east-1"]],
      ["ServiceName", "in", ["Amazon Elastic Kubernetes Service", "Azure Kubernetes Service"]],
    ],
  }],
];

for (const [q, e] of cases) {
  Deno.test(`planner: "${q.trim()}"`, () => {
    const p = plan(q);
    if (e.groupBy) assert.deepEqual(p.groupBy, e.groupBy);
    if (e.filters) assert.deepEqual(p.filters.map((f) => [f.column, f.op, f.values]), e.filters);
    if (e.range !== undefined) assert.deepEqual(p.time.range ? [p.time.range.start, p.time.range.end] : null, e.range);
    if (e.grain !== undefined) assert.equal(p.time.grain, e.grain);
    if (e.topN !== undefined) assert.equal(p.topN, e.topN);
    if (e.order) assert.equal(p.order, e.order);
    if (e.basis) assert.equal(p.basis, e.basis);
    if (e.measure) assert.equal(p.measure, e.measure);
    if (e.share !== undefined) assert.equal(Boolean(p.share), e.share);
    if (e.compare !== undefined) {
      assert.deepEqual(p.compare ? [p.compare.a.start, p.compare.b.start] : null, e.compare);
    }
  });
}

Deno.test("planner: a service named but absent is said plainly, never zero", () => {
  const out = planQuestion("how much did we spend on BigQuery", { meta, values, memory: null });
  assert.equal(out.kind, "missing_value");
  assert.match((out as { message: string }).message, /no 'bigquery' in this data.*Amazon Elastic Compute Cloud/);
});

Deno.test("planner: a service named in full is found even when its short name is an alias", () => {
  const own = { ...values, ServiceName: [{ value: "Amazon EC2", n: 5 }, { value: "Amazon S3", n: 3 }] };
  const out = planQuestion("what about Amazon EC2?", { meta, values: own, memory: null });
  assert.equal(out.kind, "plan");
  assert.deepEqual((out as { plan: QueryPlan }).plan.filters[0].values, ["Amazon EC2"]);
});

Deno.test("planner: a basis the data lacks falls back with a note", () => {
  const m = fakeMeta({
    bases: ["billed"],
    canonical: fakeMeta().canonical.filter((c) => c !== "EffectiveCost" && c !== "ListCost"),
  });
  const out = planQuestion("amortized cost", { meta: m, values, memory: null });
  assert.equal(out.kind, "plan");
  const p = out as Extract<PlanOutcome, { kind: "plan" }>;
  assert.equal(p.plan.basis, "billed");
  assert.match(p.notes.join(" "), /no effective cost column/);
});

Deno.test("planner: not a cost question → unknown with suggestions", () => {
  for (const q of ["what is the weather in paris", "tell me a joke", "asdfgh"]) {
    const out = planQuestion(q, { meta, values, memory: null });
    assert.equal(out.kind, "unknown", q);
    assert.ok((out as { suggestions: string[] }).suggestions.length >= 3);
  }
});

Deno.test("planner: follow-up chain swaps values, periods, dimensions and N", () => {
  const p1 = plan("EC2 cost by region last month");
  const p2 = plan("what about S3?", p1);
  assert.deepEqual(p2.filters.map((f) => f.values), [["Amazon Simple Storage Service"]]);
  assert.deepEqual(p2.groupBy, ["RegionName"]);
  assert.equal(p2.time.range?.start, "2025-06-01");
  const p3 = plan("and in March?", p2);
  assert.equal(p3.time.range?.start, "2025-03-01");
  assert.deepEqual(p3.filters.map((f) => f.values), [["Amazon Simple Storage Service"]]);
  const p4 = plan("break that down by account", p3);
  assert.deepEqual(p4.groupBy, ["SubAccountName"]);
  const p5 = plan("top 3 instead", p4);
  assert.equal(p5.topN, 3);
  assert.deepEqual(p5.groupBy, ["SubAccountName"]);
  const p6 = plan("same for 2024", p5);
  assert.equal(p6.time.range?.start, "2024-01-01");
  const p7 = plan("only us-east-1", p6);
  assert.ok(p7.filters.some((f) => f.values.includes("us-east-1")));
  const p8 = plan("exclude tax", p7);
  assert.ok(p8.filters.some((f) => f.column === "ChargeCategory" && f.op === "not_in"));
  const p9 = plan("amortized instead", p8);
  assert.equal(p9.basis, "effective");
});

Deno.test("planner: a self-contained question is not a follow-up", () => {
  const p1 = plan("EC2 cost by account");
  const p2 = plan("compare april and may", p1);
  assert.deepEqual(p2.filters, []);
  assert.deepEqual(p2.groupBy, []);
});

Deno.test("matchValues: canonical column wins a span; longer spans shadow shorter", () => {
  const m = matchValues("cost in ireland", values);
  assert.deepEqual(m.map((x) => [x.column, x.value]), [["RegionName", "Europe (Ireland)"]]);
  const m2 = matchValues("amazon elastic kubernetes service", values);
  assert.deepEqual(m2.map((x) => x.value), ["Amazon Elastic Kubernetes Service"]);
});

Deno.test("resolveDimension: synonyms, multi-word headers, measures refused", () => {
  assert.equal(resolveDimension("services last month", meta), "ServiceName");
  assert.equal(resolveDimension("usage type", meta), "UsageType");
  assert.equal(resolveDimension("resource group", meta), "ResourceGroup");
  assert.equal(resolveDimension("resources", meta), "ResourceId");
  assert.equal(resolveDimension("cost", meta), null);
  assert.equal(resolveDimension("contracted cost", meta), null);
});
