import assert from "node:assert/strict";
import { cents, readCsvObjects } from "../helpers/csv.ts";
import { engineTest, fixture, jsonReq, testApp, uploadReq } from "../helpers/app.ts";

const running = await testApp({ maxUploadMb: 5 });
const { app } = running;
const t = (name: string, fn: () => Promise<void>) => Deno.test({ name, ...engineTest, fn });

async function load(file: string) {
  const s = await (await app.request("/session/create", jsonReq("POST", { use_sample: false }))).json();
  const up = await app.request(
    `/session/${s.session_id}/upload-csv`,
    uploadReq(Deno.readFileSync(fixture(file)), file),
  );
  const body = await up.json();
  assert.equal(up.status, 200, JSON.stringify(body));
  return { id: s.session_id as string, dataset: body.dataset };
}
async function ask(id: string, query: string) {
  const r = await app.request(`/session/${id}/query`, jsonReq("POST", { query }));
  const body = await r.json();
  assert.equal(r.status, 200, JSON.stringify(body));
  return body;
}

/** Independent sums from the CSV: per group, of one cost column (empty and "NULL" skipped). */
function sums(file: string, group: string, cost: string, where: (r: Record<string, string>) => boolean = () => true) {
  const out = new Map<string, number>();
  for (const r of readCsvObjects(fixture(file))) {
    if (!where(r) || r[cost] === "" || r[cost] === "NULL" || isNaN(Number(r[cost]))) continue;
    const k = r[group] === "" || r[group] === "NULL" ? "(null)" : r[group];
    out.set(k, (out.get(k) ?? 0) + Number(r[cost]));
  }
  return out;
}
function asMap(rows: [string | null, number][]): Map<string, number> {
  return new Map(rows.map(([k, v]) => [k ?? "(null)", cents(v)]));
}
function centsMap(m: Map<string, number>): Map<string, number> {
  return new Map([...m.entries()].map(([k, v]) => [k, cents(v)]));
}

const FORMATS: [string, string, Record<string, string>, string, string][] = [
  // file, schema, canonical → source column, service column, billed cost column
  ["focus_sample.csv", "focus-1.0", { BilledCost: "BilledCost" }, "ServiceName", "BilledCost"],
  [
    "aws-cur-legacy-sample.csv",
    "aws-cur",
    { BilledCost: "lineItem/UnblendedCost", ServiceName: "product/ProductName" },
    "product/ProductName",
    "lineItem/UnblendedCost",
  ],
  [
    "aws-cur-athena.csv",
    "aws-cur",
    { BilledCost: "line_item_unblended_cost" },
    "product_product_name",
    "line_item_unblended_cost",
  ],
  [
    "aws-cur2.csv",
    "aws-cur-2.0",
    { SubAccountName: "line_item_usage_account_name" },
    "product_product_name",
    "line_item_unblended_cost",
  ],
  [
    "azure-ea-sample.csv",
    "azure-ea",
    { BilledCost: "CostInBillingCurrency", ServiceName: "MeterCategory" },
    "MeterCategory",
    "CostInBillingCurrency",
  ],
  [
    "azure-mca.csv",
    "azure-mca",
    { BilledCost: "costInBillingCurrency", RegionName: "resourceLocation" },
    "meterCategory",
    "costInBillingCurrency",
  ],
  [
    "gcp-billing.csv",
    "gcp",
    { BilledCost: "cost", ServiceName: "service.description", SubAccountName: "project.name" },
    "service.description",
    "cost",
  ],
  [
    "oci-cost-report-sample.csv",
    "oci",
    { BilledCost: "cost/myCost", ServiceName: "product/service" },
    "product/service",
    "cost/myCost",
  ],
];

for (const [file, schema, mapped, serviceCol, costCol] of FORMATS) {
  t(`format ${file}: detected as ${schema}, mapped, and "billed cost by service" exact`, async () => {
    const { id, dataset } = await load(file);
    assert.equal(dataset.schema, schema);
    assert.ok(dataset.schema_confidence >= 0.7);
    for (const [canon, src] of Object.entries(mapped)) {
      assert.ok(
        dataset.columns.some((c: { name: string; role: string }) => c.name === src && c.role === canon),
        `${src} → ${canon} in ${JSON.stringify(dataset.columns)}`,
      );
      assert.match(dataset.mapping[canon], new RegExp(src.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")));
    }
    const r = await ask(id, "billed cost by service");
    assert.deepEqual(asMap(r.result.rows), centsMap(sums(file, serviceCol, costCol)));
    const total = await ask(id, "total billed cost");
    const expected = [...sums(file, serviceCol, costCol).values()].reduce((a, b) => a + b, 0);
    assert.equal(cents(total.result.rows[0][0]), cents(expected));
    const ds = await (await app.request(`/session/${id}/dataset`)).json();
    assert.equal(ds.quality.rows, dataset.rows);
    assert.deepEqual(ds.quality.costBases, dataset.cost_bases);
  });
}

t("AWS CUR 2.0: amortized cost as AWS computes it; tax and purchases named in the answer", async () => {
  const { id, dataset } = await load("aws-cur2.csv");
  assert.deepEqual(dataset.cost_bases, ["billed", "effective", "list"]);
  // Usage 20+20+11, SP-covered at its effective 21 (negation 0), SP fee unused 50-42=8, RI-covered 6,
  // RI fee unused 3+1, S3 2.30+1.15, tax 4.50, credit -5: the AWS "amortized cost" definition.
  const eff = await ask(id, "total amortized cost");
  assert.equal(cents(eff.result.rows[0][0]), 92.95);
  assert.match(eff.response, /Effective \(amortized\) cost/);
  assert.match(eff.response, /all charge categories included/);
  const billed = await ask(id, "total billed cost");
  assert.equal(cents(billed.result.rows[0][0]), 143.95);
  const noTax = await ask(id, "billed cost excluding tax");
  assert.equal(cents(noTax.result.rows[0][0]), 139.45);
  assert.match(noTax.response, /Tax charges excluded/);
  const purchases = await ask(id, "billed cost by charge category");
  assert.deepEqual(
    asMap(purchases.result.rows),
    new Map([["Usage", 54.45], ["Purchase", 90], ["Tax", 4.5], ["Credit", -5]]),
  );
  const team = await ask(id, "billed cost by team tag");
  // user_team, user_Team and "user_ team" are one key.
  assert.deepEqual(asMap(team.result.rows), new Map([["platform", 40], ["data", 2.3], ["web", 11], ["(null)", 90.65]]));
  assert.deepEqual(dataset.quality.tagKeyVariantsMerged, [{
    key: "team",
    variants: ["user_team", "user_Team", "user_ team"],
  }]);
});

t(
  "Azure MCA: month-first dates with days above 12, EUR, list cost from PayG price × quantity, tags without braces",
  async () => {
    const { id, dataset } = await load("azure-mca.csv");
    assert.deepEqual(dataset.date_range, { start: "2024-09-01", end: "2024-09-30" });
    assert.equal(dataset.currency, "EUR");
    const list = await ask(id, "total list cost");
    assert.equal(cents(list.result.rows[0][0]), 142);
    assert.match(list.response, /€142\.00/);
    const d14 = await ask(id, "billed cost on 2024-09-14");
    assert.equal(cents(d14.result.rows[0][0]), 55.2);
    const team = await ask(id, "billed cost by team tag");
    assert.deepEqual(asMap(team.result.rows), new Map([["data", 100], ["web", 15.75], ["(null)", 283.2]]));
  },
);

t("GCP: labels as key/value arrays become tags; projects are accounts; UTC suffix parsed", async () => {
  const { id, dataset } = await load("gcp-billing.csv");
  assert.deepEqual(dataset.date_range, { start: "2024-05-01", end: "2024-05-31" });
  const team = await ask(id, "cost by team tag");
  assert.deepEqual(asMap(team.result.rows), new Map([["shop", 18.8], ["data", 25], ["(null)", 4.05]]));
  const proj = await ask(id, "cost by project");
  assert.deepEqual(asMap(proj.result.rows), centsMap(sums("gcp-billing.csv", "project.name", "cost")));
});

t("mixed currencies are never summed together", async () => {
  const { id, dataset } = await load("multi-currency.csv");
  assert.deepEqual(dataset.currencies, ["USD", "EUR"]);
  assert.equal(dataset.currency, null);
  const total = await ask(id, "total billed cost");
  assert.deepEqual(asMap(total.result.rows.map((r: unknown[]) => [r[0], r[1]])), new Map([["USD", 150], ["EUR", 220]]));
  assert.doesNotMatch(total.response, /370/);
  assert.match(total.response, /never summed across currencies/);
  assert.match(total.response, /\$150\.00/);
  assert.match(total.response, /€220\.00/);
  const bySvc = await ask(id, "cost by service");
  assert.ok(bySvc.result.columns[0].name === "BillingCurrency");
  const eur = await ask(id, "total billed cost in EUR");
  assert.equal(eur.result.rows.length, 1);
  assert.equal(eur.result.rows[0][0], 220);
  const trend = await ask(id, "daily billed cost");
  assert.ok(trend.result.columns.some((c: { name: string }) => c.name === "BillingCurrency"));
  // Analyses cover one currency and say so.
  const drivers = await ask(id, "why did costs change between january and february?");
  assert.match(drivers.response, /covers the USD charges only/);
  assert.match(drivers.sql, /"BillingCurrency" IN \('USD'\)/);
});

t(
  "quirks: NULL text, unparsable numbers and dates, duplicates, tag variants are counted, not summed as zero",
  async () => {
    const { id, dataset } = await load("quirks.csv");
    const q = dataset.quality;
    assert.equal(q.unparsable.BilledCost, 1);
    assert.equal(q.unparsable.ChargePeriodStart, 1);
    assert.equal(q.duplicateRows, 1);
    assert.equal(q.nullCounts.ServiceName, 1);
    assert.equal(q.nullCounts.RegionName, 2);
    assert.deepEqual(q.tagKeyVariantsMerged, [{ key: "team", variants: ["Team", "team", " team"] }]);
    assert.equal(q.untaggedCostPct, 7.14);
    const total = await ask(id, "total billed cost");
    assert.equal(total.result.rows[0][0], 35);
    const team = await ask(id, "cost by team tag");
    assert.deepEqual(asMap(team.result.rows), new Map([["a", 20.2], ["b", 12.3], ["(null)", 2.5]]));
    const svc = await ask(id, "cost by service");
    assert.ok(svc.result.rows.some((r: unknown[]) => r[0] === null));
    assert.match(svc.response, /\(not set\)/);
    const described = await ask(id, "describe the data");
    assert.match(described.response, /1 unparsable values in BilledCost/);
    assert.match(described.response, /1 duplicate rows/);
  },
);

Deno.test({ name: "close", ...engineTest, fn: () => running.close() });
