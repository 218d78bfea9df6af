/**
 * Questions a FinOps analyst asks, answered over the bundled sample, each checked against sums
 * computed independently from the CSV (tests/helpers/csv.ts), to the cent.
 */
import assert from "node:assert/strict";
import { cents, readCsvObjects } from "../helpers/csv.ts";
import { engineTest, jsonReq, testApp } from "../helpers/app.ts";

const running = await testApp();
const { app } = running;
const ROWS = readCsvObjects(new URL("../../data/sample_billing.csv", import.meta.url));
type Row = Record<string, string>;
type Pred = (r: Row) => boolean;

const all: Pred = () => true;
const month = (m: string): Pred => (r) => r.ChargePeriodStart.startsWith(`2025-${m}`);
const between = (a: string, b: string): Pred => (r) =>
  r.ChargePeriodStart.slice(0, 10) >= a && r.ChargePeriodStart.slice(0, 10) < b;
const svc = (s: string): Pred => (r) => r.ServiceName === s;
const and = (...ps: Pred[]): Pred => (r) => ps.every((p) => p(r));
const num = (v: string) => (v === "" ? 0 : Number(v));
function sum(p: Pred, col = "EffectiveCost"): number {
  return ROWS.filter(p).reduce((s, r) => s + num(r[col]), 0);
}
function by(key: (r: Row) => string | null, p: Pred = all, col = "EffectiveCost"): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of ROWS.filter(p)) {
    const k = key(r) ?? "(null)";
    m.set(k, (m.get(k) ?? 0) + num(r[col]));
  }
  return m;
}
const field = (f: string) => (r: Row) => (r[f] === "" ? null : r[f]);
const team = (r: Row) => (r.Tags ? JSON.parse(r.Tags).team ?? null : null);
const EC2 = "Amazon Elastic Compute Cloud";
const S3 = "Amazon Simple Storage Service";

function asMap(rows: unknown[][], keyCols = 1): Map<string, number> {
  return new Map(rows.map((r) => [r.slice(0, keyCols).map((k) => k ?? "(null)").join("|"), cents(Number(r[keyCols]))]));
}
function centsMap(m: Map<string, number>): Map<string, number> {
  return new Map([...m.entries()].map(([k, v]) => [k, cents(v)]));
}
function topN(m: Map<string, number>, n: number, asc = false): [string, number][] {
  return [...m.entries()].sort((a, b) => (asc ? a[1] - b[1] : b[1] - a[1])).slice(0, n).map(([k, v]) => [k, cents(v)]);
}

let session = "";
async function ask(query: string) {
  if (!session) session = (await (await app.request("/session/create", { method: "POST" })).json()).session_id;
  const r = await app.request(`/session/${session}/query`, jsonReq("POST", { query }));
  const body = await r.json();
  assert.equal(r.status, 200, JSON.stringify(body));
  assert.ok(body.sql, `no SQL for "${query}": ${body.response}`);
  return body;
}
const scalar = (expected: number) => (b: { result: { rows: unknown[][] } }) =>
  assert.equal(cents(Number(b.result.rows[0][0])), cents(expected));
const grouped = (expected: Map<string, number>, keyCols = 1) => (b: { result: { rows: unknown[][] } }) =>
  assert.deepEqual(asMap(b.result.rows, keyCols), centsMap(expected));
const ranked = (expected: [string, number][]) => (b: { result: { rows: unknown[][] } }) =>
  assert.deepEqual(b.result.rows.map((r) => [r[0] ?? "(null)", cents(Number(r[1]))]), expected);

const byService = by(field("ServiceName"));
const notNull = (m: Map<string, number>) => new Map([...m.entries()].filter(([k]) => k !== "(null)" && k !== ""));
const nullSum = (col: string) => cents(by(() => "x", (r) => !(r as Record<string, unknown>)[col]).get("x") ?? 0);
const weekOf = (d: string) => {
  const t = new Date(d.slice(0, 10) + "T00:00:00Z");
  const dow = (t.getUTCDay() + 6) % 7;
  return new Date(t.getTime() - dow * 86400000).toISOString().slice(0, 10);
};

const CASES: [string, (b: never) => void][] = [
  ["total cost", scalar(sum(all))],
  ["What was our total spend?", scalar(sum(all))],
  ["total billed cost", scalar(sum(all, "BilledCost"))],
  ["list cost", scalar(sum(all, "ListCost"))],
  ["cost in March 2025", scalar(sum(month("03")))],
  ["cost in mar", scalar(sum(month("03")))],
  ["EC2 cost last month", scalar(sum(and(svc(EC2), month("06"))))],
  ["S3 spend in Q1", scalar(sum(and(svc(S3), between("2025-01-01", "2025-04-01"))))],
  ["cost in ireland", scalar(sum((r) => r.RegionName === "Europe (Ireland)"))],
  ["cost in us-east-1", scalar(sum((r) => r.RegionId === "us-east-1"))],
  ["prod-data cost in May", scalar(sum(and((r) => r.SubAccountName === "prod-data", month("05"))))],
  ["H1 2025 cost", scalar(sum(all))],
  ["cost on 2025-05-14", scalar(sum(between("2025-05-14", "2025-05-15")))],
  ["cost between february and april", scalar(sum(between("2025-02-01", "2025-05-01")))],
  ["cost since may", scalar(sum(between("2025-05-01", "2025-07-01")))],
  ["cost in the last 7 days", scalar(sum(between("2025-06-24", "2025-07-01")))],
  ["how much tax did we pay", scalar(sum((r) => r.ChargeCategory === "Tax"))],
  ["billed cost excluding tax", scalar(sum((r) => r.ChargeCategory !== "Tax", "BilledCost"))],
  ["total excluding tax and credits", scalar(sum((r) => r.ChargeCategory !== "Tax" && r.ChargeCategory !== "Credit"))],
  ["usage quantity for lambda", scalar(sum(svc("AWS Lambda"), "PricingQuantity"))],
  ["how many resources do we have", scalar(new Set(ROWS.map((r) => r.ResourceId).filter(Boolean)).size)],
  ["number of line items in may", scalar(ROWS.filter(month("05")).length)],
  ["average daily cost in March", scalar(sum(month("03")) / 31)],
  ["cost by service", grouped(byService)],
  ["COST BY SERVICE", grouped(byService)],
  ["cost by regoin", grouped(by(field("RegionName")))],
  ["top 3 sevices", ranked(topN(byService, 3))],
  ["totl cost", scalar(sum(all))],
  ["cost by region last month", grouped(by(field("RegionName"), month("06")))],
  ["spend per account", grouped(by(field("SubAccountName")))],
  ["cost by provider", grouped(by(field("ProviderName")))],
  ["cost by service category", grouped(by(field("ServiceCategory")))],
  ["cost by charge category", grouped(by(field("ChargeCategory")))],
  ["cost by pricing category", grouped(by(field("PricingCategory")))],
  ["cost by team tag", grouped(by(team))],
  ["cost for the ml team", scalar(sum((r) => team(r) === "ml"))],
  ["top 3 services", ranked(topN(byService, 3))],
  ["bottom 2 services", ranked(topN(byService, 2, true))],
  // The cheapest real region; charges with no region are listed apart, after it, never ranked.
  ["cheapest region", ranked([...topN(notNull(by(field("RegionName"))), 1, true), ["(null)", nullSum("RegionName")]])],
  ["top 5 resources last month", ranked(topN(by(field("ResourceId"), month("06")), 5))],
  ["EC2 and S3 cost", grouped(by(field("ServiceName"), (r) => r.ServiceName === EC2 || r.ServiceName === S3))],
  ["monthly cost", grouped(by((r) => r.ChargePeriodStart.slice(0, 7) + "-01"))],
  ["monthly EC2 cost", grouped(by((r) => r.ChargePeriodStart.slice(0, 7) + "-01", svc(EC2)))],
  ["daily cost in June 2025", grouped(by((r) => r.ChargePeriodStart.slice(0, 10), month("06")))],
  ["weekly cost in june", grouped(by((r) => weekOf(r.ChargePeriodStart), month("06")))],
  [
    "EC2 cost on May 14 by account",
    grouped(by(field("SubAccountName"), and(svc(EC2), between("2025-05-14", "2025-05-15")))),
  ],
  [
    "compare april and may",
    (b: { result: { rows: unknown[][] } }) => {
      const [a, m, change, pct] = b.result.rows[0] as number[];
      assert.deepEqual([cents(a), cents(m), cents(change)], [
        cents(sum(month("04"))),
        cents(sum(month("05"))),
        cents(sum(month("05")) - sum(month("04"))),
      ]);
      assert.equal(
        Math.round(pct * 100) / 100,
        Math.round(((sum(month("05")) - sum(month("04"))) / sum(month("04"))) * 10000) / 100,
      );
    },
  ],
  [
    "month over month change by service",
    (b: { result: { rows: unknown[][] } }) => {
      const may = by(field("ServiceName"), month("05"));
      const jun = by(field("ServiceName"), month("06"));
      for (const r of b.result.rows) {
        assert.equal(cents(Number(r[1])), cents(may.get(String(r[0])) ?? 0));
        assert.equal(cents(Number(r[2])), cents(jun.get(String(r[0])) ?? 0));
      }
      assert.equal(b.result.rows.length, new Set([...may.keys(), ...jun.keys()]).size);
    },
  ],
  [
    "share of cost by provider",
    (b: { result: { rows: unknown[][] } }) => {
      const m = by(field("ProviderName"));
      const total = sum(all);
      for (const r of b.result.rows) {
        assert.equal(Math.round(Number(r[2]) * 100), Math.round((m.get(String(r[0]))! / total) * 10000));
      }
    },
  ],
];

for (const [q, check] of CASES) {
  Deno.test({ name: `question: "${q}"`, ...engineTest, fn: async () => check((await ask(q)) as never) });
}

Deno.test({
  name: "follow-up chain of six turns keeps context and gives exact numbers",
  ...engineTest,
  async fn() {
    session = "";
    const r1 = await ask("EC2 cost by region last month");
    grouped(by(field("RegionName"), and(svc(EC2), month("06"))))(r1);
    const r2 = await ask("what about S3?");
    grouped(by(field("RegionName"), and(svc(S3), month("06"))))(r2);
    const r3 = await ask("and in March?");
    grouped(by(field("RegionName"), and(svc(S3), month("03"))))(r3);
    const r4 = await ask("break that down by account");
    grouped(by(field("SubAccountName"), and(svc(S3), month("03"))))(r4);
    // Narrowed to one account, the breakdown by account collapses to one number.
    const r5 = await ask("only prod-data");
    scalar(sum(and(svc(S3), month("03"), (r) => r.SubAccountName === "prod-data")))(r5);
    const r6 = await ask("billed instead");
    scalar(sum(and(svc(S3), month("03"), (r) => r.SubAccountName === "prod-data"), "BilledCost"))(r6);
    assert.equal(r6.turn_number, 6);
    assert.equal(r6.basis, "billed");
    const again = await ask("show me that again");
    assert.equal(again.sql, r6.sql);
  },
});

Deno.test({ name: "close", ...engineTest, fn: () => running.close() });
