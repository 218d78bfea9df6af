/**
 * Answers you can trust: every example of issue 20 as a regression test, and the "no silent
 * drop" suite (questions with a word or clause the agent does not support get the right answer,
 * an explicit "did not use …", or a clarifying question; never a confident answer to another
 * question). Expected figures are computed here from the CSV with an independent parser.
 * @module
 */
import assert from "node:assert/strict";
import { parseCsv } from "../helpers/csv.ts";
import { askOk, engineTest, fixture, jsonReq, testApp, uploadReq } from "../helpers/app.ts";

const running = await testApp();
const { app } = running;
const SAMPLE = await Deno.readFile(fixture("focus_sample.csv"));
const [HEADER, ...CELLS] = parseCsv(new TextDecoder().decode(SAMPLE));
const ROWS: Record<string, string>[] = CELLS.map((c) => Object.fromEntries(HEADER.map((h, i) => [h, c[i]])));
const num = (v: string | undefined) => (v && v !== "NULL" ? Number(v) : 0);
const sum = (pred: (r: Record<string, string>) => boolean, col = "EffectiveCost") =>
  ROWS.filter(pred).reduce((a, r) => a + num(r[col]), 0);

type Body = {
  response: string;
  sql: string | null;
  intent: string;
  plan: Record<string, unknown> & { filters: { column: string; values: string[] }[] } | null;
  result: { columns: { name: string }[]; rows: unknown[][] } | null;
  reading: { text: string; unused: string[]; parts: { part: string; from: string }[] } | null;
};

async function session(bytes: Uint8Array | null = SAMPLE, name = "focus.csv"): Promise<string> {
  const r = await app.request("/session/create", jsonReq("POST", { use_sample: bytes === null }));
  const id = (await r.json()).session_id;
  if (bytes) assert.equal((await app.request(`/session/${id}/upload-csv`, uploadReq(bytes, name))).status, 200);
  return id;
}
const ask = (id: string, q: string) => askOk<Body>(app, id, q);
const t = (name: string, fn: () => Promise<void>) => Deno.test({ name, ...engineTest, fn });

t(
  "issue 20: 'identify anomalies per sub account and region' filters nothing (not ServiceCategory Identity)",
  async () => {
    const b = await ask(await session(), "identify anomalies per sub account and region");
    assert.deepEqual(b.plan?.filters, []);
    assert.ok(!b.sql?.includes("Identity"), b.sql ?? "");
    assert.deepEqual(b.reading?.unused, []);
  },
);

t("issue 20: invoices check is per provider and billing account on the billing period, no unit filter", async () => {
  const b = await ask(await session(), "billed cost per provider and billing account to check against invoices");
  assert.ok(!b.sql?.includes("Security Checks"), b.sql ?? "");
  assert.deepEqual(b.plan?.groupBy, ["ProviderName", "BillingAccountName"]);
  assert.equal(b.plan?.period, "billing");
  assert.match(b.response, /billing period/);
  const aws = b.result!.rows.find((r) => r[0] === "AWS" && r[1] === "SunBird")!;
  assert.ok(
    Math.abs(
      Number(aws[2]) - sum((r) => r.ProviderName === "AWS" && r.BillingAccountName === "SunBird", "BilledCost"),
    ) < 1e-9,
  );
});

t("issue 20: 'monthly cost trend' on a CUR is not filtered to a 'Monthly' subscription type", async () => {
  const id = await session(await Deno.readFile(fixture("aws-cur-legacy-sample.csv")), "cur.csv");
  const b = await ask(id, "monthly cost trend");
  assert.deepEqual(b.plan?.filters, []);
  const total = await ask(id, "total cost");
  const months = b.result!.rows.reduce((a, r) => a + Number(r[1]), 0);
  assert.ok(Math.abs(months - Number(total.result!.rows[0][0])) < 1e-6);
});

t("issue 20: savings rate, unused commitments and bases side by side are measures, not filters", async () => {
  const id = await session();
  const esr = await ask(id, "effective savings rate");
  assert.equal((esr.plan?.metrics as string[])[0], "effective_savings_rate");
  assert.ok(!/Savings Plan:/.test(esr.response));
  const usage = (r: Record<string, string>) => r.ChargeCategory === "Usage";
  const gold = (sum(usage, "ListCost") - sum(usage)) / sum(usage, "ListCost") * 100;
  assert.ok(Math.abs(Number(esr.result!.rows[0][0]) - gold) < 1e-9);
  const unused = await ask(id, "unused commitments");
  assert.deepEqual(unused.plan?.scopes, ["unused_commitments"]);
  assert.ok(!/Credit/.test(unused.sql ?? ""));
  const bases = await ask(id, "list vs billed vs effective per service");
  assert.deepEqual(bases.plan?.metrics, ["list_cost", "billed_cost", "effective_cost"]);
  assert.deepEqual(bases.plan?.filters, []);
});

t("issue 20: corrections are ChargeClass corrections; the sample has none and says so", async () => {
  const b = await ask(await session(), "corrections by service");
  assert.deepEqual(b.plan?.scopes, ["corrections"]);
  assert.match(b.response, /No matching charges/);
});

t("issue 20: 'number of sub accounts per region' counts sub accounts", async () => {
  const b = await ask(await session(), "number of sub accounts per region");
  const east = b.result!.rows.find((r) => r[0] === "US East (N. Virginia)")!;
  const gold = new Set(ROWS.filter((r) => r.RegionName === "US East (N. Virginia)").map((r) => r.SubAccountId)).size;
  assert.equal(Number(east[1]), gold);
});

t("issue 20: 'monthly billed cost by service to forecast cash flow' answers from history", async () => {
  const b = await ask(await session(), "monthly billed cost by service to forecast cash flow");
  assert.notEqual(b.plan?.analysis, "forecast");
  assert.ok(!/can't forecast/.test(b.response), b.response);
  assert.equal((b.plan?.time as { grain: string }).grain, "month");
});

t("issue 20: a share is of the unfiltered total, and the answer says of what", async () => {
  const b = await ask(await session(), "what share of total cost is Amazon Elastic Compute Cloud?");
  const ec2 = (r: Record<string, string>) => r.ServiceName === "Amazon Elastic Compute Cloud";
  const gold = sum(ec2) / sum(() => true) * 100;
  const share = Number(b.result!.rows[0][2]);
  assert.ok(Math.abs(share - gold) < 1e-9 && share < 100, String(share));
  assert.match(b.response, /of the total/);
});

t("issue 20: the lowest region is a real region; charges without one are listed apart", async () => {
  const b = await ask(await session(), "which region had the lowest cost in 2024?");
  assert.notEqual(b.result!.rows[0][0], null);
  assert.match(b.response, /Not ranked/);
});

t("issue 20: tagged vs untagged gives both figures, adding up to the total", async () => {
  const b = await ask(await session(), "how much did we spend on tagged vs untagged resources?");
  const byKey = Object.fromEntries(b.result!.rows.map((r) => [r[0], Number(r[1])]));
  const tagged = (r: Record<string, string>) => Boolean(r.Tags) && r.Tags !== "NULL";
  assert.ok(Math.abs(byKey.tagged - sum(tagged)) < 1e-9);
  assert.ok(Math.abs(byKey.untagged - sum((r) => !tagged(r))) < 1e-9);
});

t("issue 20: a question of five parts is answered part by part, and what is not answered is named", async () => {
  const q = "Give me a breakdown by service for September 2024, how much did it grow, which region drove it, " +
    "anything odd, and what commitment should we buy?";
  const b = await ask(await session(), q);
  assert.match(b.response, /\*\*1\. Give me a breakdown by service/);
  for (const part of ["how much did it grow", "which region drove it", "anything odd"]) {
    assert.ok(b.response.includes(part), `${part} missing from ${b.response.slice(0, 300)}`);
  }
  assert.match(b.response, /Not answered:.*what commitment should we buy/);
});

t("issue 20: a new anomaly scan after a one-day question does not inherit the day", async () => {
  const id = await session(null);
  await ask(id, "What caused the spike on 2025-03-14?");
  const b = await ask(id, "Were there any unusual spikes for Amazon S3?");
  assert.equal((b.plan?.time as { range: unknown }).range, null);
  assert.deepEqual(b.plan?.filters, [{ column: "ServiceName", op: "in", values: ["Amazon Simple Storage Service"] }]);
});

t("issue 20: three sub accounts named Atlas Orion stay three lines, with ID and provider", async () => {
  const b = await ask(await session(), "cost by sub account");
  const atlas = b.result!.rows.filter((r) => r[0] === "Atlas Orion");
  assert.equal(atlas.length, 3);
  assert.deepEqual(new Set(atlas.map((r) => r[3])), new Set(["AWS", "Microsoft", "Oracle"]));
  assert.match(b.response, /Atlas Orion \(11353890204, AWS\)/);
});

t("issue 20: 'per billing period', 'usage only' and 'compute services' are all used", async () => {
  const id = await session();
  const period = await ask(id, "billed cost per billing period");
  assert.equal(period.plan?.period, "billing");
  assert.match(period.sql ?? "", /BillingPeriodStart/);
  const usage = await ask(id, "usage only cost by provider");
  assert.deepEqual(usage.plan?.scopes, ["usage"]);
  const compute = await ask(id, "compute services cost");
  assert.deepEqual(compute.plan?.filters, [{ column: "ServiceCategory", op: "in", values: ["Compute"] }]);
  for (const b of [period, usage, compute]) assert.deepEqual(b.reading?.unused, []);
});

t(
  "'compute cost in Q2' never passes for the whole bill: 'compute' alone is not a filter, and it is said unused",
  async () => {
    const b = await ask(await session(), "compute cost in Q2");
    assert.deepEqual(b.plan?.filters ?? [], []);
    assert.ok(b.reading?.unused.includes("compute"), JSON.stringify(b.reading));
    assert.match(b.response, /I did not use 'compute'/);
  },
);

t("budget: variance against an amount, and a question back when no amount is given", async () => {
  const id = await session();
  const b = await ask(id, "September 2024 billed cost against a $15 budget");
  const actual = sum((r) => r.ChargePeriodStart.startsWith("2024-09"), "BilledCost");
  assert.match(b.response, /Against the budget of \$15\.00/);
  assert.match(b.response, actual > 15 ? /over/ : /left/);
  // The budget is remembered for the follow-up; a new conversation is asked for it.
  const again = await ask(id, "are we over budget this month?");
  assert.match(again.response, /Against the budget of \$15\.00/);
  const fresh = await ask(await session(), "are we over budget this month?");
  assert.match(fresh.response, /I don't know your budget/);
});

t("a metric whose columns the data lacks says which columns are missing", async () => {
  const id = await session(await Deno.readFile(fixture("aws-cur-legacy-sample.csv")), "cur.csv");
  const b = await ask(id, "corrections by service");
  assert.match(b.response, /has no ChargeClass column/);
  assert.equal(b.result, null);
});

/** A CUR with Savings Plan and RI lines: [type, product, unblended, SP effective, SP total, SP used, RI effective, RI unused upfront, RI unused recurring]. */
const CUR_LINES: [string, string, number, number, number, number, number, number, number][] = [
  ["SavingsPlanCoveredUsage", "Amazon Elastic Compute Cloud", 10, 7, 0, 0, 0, 0, 0],
  ["SavingsPlanCoveredUsage", "Amazon Elastic Compute Cloud", 12, 8.4, 0, 0, 0, 0, 0],
  ["SavingsPlanNegation", "Amazon Elastic Compute Cloud", -22, 0, 0, 0, 0, 0, 0],
  ["SavingsPlanRecurringFee", "Savings Plans for AWS Compute usage", 100, 0, 100, 70, 0, 0, 0],
  ["DiscountedUsage", "Amazon Relational Database Service", 0, 0, 0, 0, 5, 0, 0],
  ["RIFee", "Amazon Relational Database Service", 50, 0, 0, 0, 0, 4, 6],
  ["Usage", "Amazon Simple Storage Service", 3, 0, 0, 0, 0, 0, 0],
];

function curCsv(): string {
  const head = "identity/LineItemId,bill/BillingPeriodStartDate,lineItem/UsageStartDate,lineItem/UsageAccountId," +
    "lineItem/LineItemType,product/ProductName,lineItem/UnblendedCost,lineItem/CurrencyCode,product/region," +
    "savingsPlan/SavingsPlanARN,savingsPlan/SavingsPlanEffectiveCost,savingsPlan/TotalCommitmentToDate," +
    "savingsPlan/UsedCommitment,reservation/ReservationARN,reservation/EffectiveCost," +
    "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod,reservation/UnusedRecurringFee";
  const lines = CUR_LINES.map(([type, product, cost, spEff, spTotal, spUsed, riEff, riUp, riRec], i) => {
    const sp = type.startsWith("SavingsPlan") ? "arn:aws:savingsplans::1:savingsplan/sp-1" : "";
    const ri = type === "DiscountedUsage" || type === "RIFee" ? "arn:aws:rds:us-east-1:1:ri:ri-1" : "";
    return [
      `li-${i}`,
      "2025-05-01T00:00:00Z",
      `2025-05-0${i + 1}T00:00:00Z`,
      "123456789012",
      type,
      product,
      cost,
      "USD",
      "us-east-1",
      sp,
      spEff,
      spTotal,
      spUsed,
      ri,
      riEff,
      riUp,
      riRec,
    ].join(",");
  });
  return [head, ...lines].join("\n") + "\n";
}

t("a CUR's Savings Plan and RI lines give commitment utilization and unused commitment (mapped to FOCUS)", async () => {
  const id = await session(new TextEncoder().encode(curCsv()), "cur-commitments.csv");
  // Used: covered usage at its commitment rate; unused: what the recurring fees left unused.
  const used = CUR_LINES.filter((l) => l[0] === "SavingsPlanCoveredUsage" || l[0] === "DiscountedUsage")
    .reduce((a, l) => a + l[3] + l[6], 0);
  const unused = CUR_LINES.reduce((a, l) => a + (l[4] - l[5]) + l[7] + l[8], 0);
  const b = await ask(id, "commitment utilization");
  assert.ok(Math.abs(Number(b.result!.rows[0][0]) - used / (used + unused) * 100) < 1e-9, JSON.stringify(b.result));
  assert.ok(Math.abs(Number(b.result!.rows[0][1]) - unused) < 1e-9);
  const u = await ask(id, "unused commitments");
  assert.ok(Math.abs(Number(u.result!.rows[0][0]) - unused) < 1e-9, JSON.stringify(u.result));
});

/** Questions with one word or clause the agent does not support. */
const NO_SILENT_DROP = [
  "cost by service for the blorfington project",
  "EC2 cost for the holiday campaign",
  "total spend per engineer",
  "cost of the marketing launch",
  "what did the zorblax cluster cost",
  "storage cost for customer acme",
  "cost per transaction",
  "cost per active user",
  "top 5 services by carbon footprint",
  "cost by kubernetes namespace",
  "cost by pod",
  "spend by business owner",
  "cost for the quokka feature",
  "which team wasted the most on idle gpus",
  "cost of failed deployments",
  "network egress cost to the internet",
  "cost per customer tenant",
  "effective cost by contract renewal date",
  "cost of the black friday event",
  "how much did the migration cost",
  "cost by cost center owner email",
  "show cost for prod environments in the frobnitz region",
  "monthly cost of our gizmo product line",
  "what is the ROI of our savings plan",
  "cost of unattached volumes",
  "how much do we spend on licenses",
  "spend by environment for the widgets app",
  "cost per request for the checkout api",
  "total cost excluding the snarf account",
  "cost by data classification",
];

t("no silent drop: 30 questions with an unsupported word say what they did not use or ask back", async () => {
  const id = await session();
  const silent: string[] = [];
  for (const q of NO_SILENT_DROP) {
    const b = await ask(id, q);
    const honest = /did not use|not sure what you mean|Not answered|can't answer|There is no/i.test(b.response);
    if (!honest) silent.push(`${q} → ${b.response.split("\n")[0]}`);
  }
  assert.deepEqual(silent, []);
});

/** Everyday questions whose every word the planner uses: no "did not use" may cry wolf on them. */
const FULLY_READ = [
  "top 5 services last month",
  "what about S3?",
  "compare April and May by service",
  "cost by team tag",
  "spend by env tag in June",
  "What is the total cost?",
  "Which accounts cost the most?",
  "show me daily spend for EC2 in May",
  "cost for service category storage",
  "what's driving the increase in June?",
  "list all services",
  "anything unusual last week?",
  "cost of the prod environment",
  "give me a pie chart of cost by region",
  "list cost in March 2025",
  "monthly cost by service and region",
  "how much tax did we pay?",
  "average daily cost last month",
  "which region was the most expensive?",
];

t("no false alarms: everyday questions are read in full", async () => {
  const id = await session(null);
  const flagged: string[] = [];
  for (const q of FULLY_READ) {
    const b = await ask(id, q);
    if (b.reading?.unused.length) flagged.push(`${q} → ${b.reading.unused.join(", ")}`);
    if (/did not use|not sure what you mean/.test(b.response)) flagged.push(`${q} → ${b.response.split("\n")[0]}`);
  }
  assert.deepEqual(flagged, []);
  const list = await ask(id, "list all services");
  assert.equal(list.plan?.basis, "effective", "'list' alone is a verb, not the list cost basis");
});

t("a word typo correction changed is said: 'pipeline' is not silently read as 'timeline'", async () => {
  const b = await ask(await session(null), "what did the frobozz pipeline cost in May?");
  assert.match(b.response, /I read 'pipeline' as 'timeline' \(a typo\?\)/);
  assert.match(b.response, /I did not use 'frobozz'/);
});

t("reading: every answer says how the question was read, and the page schema documents it", async () => {
  const b = await ask(await session(), "top 3 services by billed cost in September 2024");
  assert.match(b.reading!.text, /billed cost/);
  assert.ok(b.reading!.parts.some((p) => p.part === "top 3" && /top/.test(p.from)));
  const spec = await (await app.request("/openapi.json")).json();
  assert.ok(spec.components.schemas.QueryResponse.properties.reading);
});

Deno.test({ name: "trust: cleanup", ...engineTest, fn: () => running.close() });
