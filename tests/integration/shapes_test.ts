/**
 * Billing exports as users have them (issue 23): shapes that used to fail, each a fixture written
 * here, loaded through the API with totals checked against sums computed in the test.
 * @module
 */
import assert from "node:assert/strict";
import { askOk, engineTest, jsonReq, testApp, uploadReq } from "../helpers/app.ts";

const running = await testApp();
const { app } = running;

async function upload(
  csv: string,
  name = "export.csv",
): Promise<{ status: number; body: Record<string, unknown>; id: string }> {
  const r = await app.request("/session/create", jsonReq("POST", { use_sample: false }));
  const id = (await r.json()).session_id;
  const up = await app.request(`/session/${id}/upload-csv`, uploadReq(csv, name));
  return { status: up.status, body: await up.json(), id };
}

type Answer = { result: { rows: unknown[][] } };
const t = (name: string, fn: () => Promise<void>) => Deno.test({ name, ...engineTest, fn });

t("mixed CRLF and LF line ends load with the right total", async () => {
  const csv =
    "Date,Cost,MeterCategory\r\n2024-05-01,1.5,Storage\r\n2024-05-02,2.25,Virtual Machines\n2024-05-03,4,Storage\n";
  const { status, body, id } = await upload(csv);
  assert.equal(status, 200, JSON.stringify(body));
  const total = await askOk<Answer>(app, id, "total cost");
  assert.equal(total.result.rows[0][0], 1.5 + 2.25 + 4);
});

t("rows that leave out their trailing empty field load as columns, not as one column", async () => {
  const csv = "date,service,cost,tag\n2024-05-01,EC2,10.5,web\n2024-05-02,S3,2.5\n2024-05-03,EC2,1,\n";
  const { status, body, id } = await upload(csv);
  assert.equal(status, 200, JSON.stringify(body));
  const rows = (body.dataset as { rows: number }).rows;
  assert.equal(rows, 3);
  const by = await askOk<Answer>(app, id, "cost by service");
  assert.deepEqual(Object.fromEntries(by.result.rows.map((r) => [r[0], r[1]])), { EC2: 11.5, S3: 2.5 });
});

t("a row with more fields than the header gets a precise 422, with no path or engine words", async () => {
  const csv = "date,service,cost\n2024-05-01,EC2,10.5\n2024-05-02,S3,2.5,oops\n";
  const { status, body } = await upload(csv);
  assert.equal(status, 422);
  const msg = (body.error as { message: string }).message;
  assert.match(msg, /Line 3 has 4 fields, the header 3/);
  assert.doesNotMatch(msg, /\/upload|raw_|Error:|Binder|Invalid Input/);
});

type Dataset = {
  schema: string;
  schema_label: string;
  cost_bases: string[];
  date_range: { start: string; end: string };
  mapping_choices: { role: string; chosen: string; why: string }[];
  basis_notes: Record<string, string>;
};

/** An Azure EA cost export as Cost Management writes it: Date, Cost, MeterCategory, billing period columns. */
function azureEa(): string {
  const head = "InvoiceSectionName,AccountName,SubscriptionName,ResourceGroup,ResourceLocation,Date,ProductName," +
    "MeterCategory,MeterName,UnitOfMeasure,Quantity,Cost,BillingCurrency,ChargeType,BillingPeriodStartDate," +
    "BillingPeriodEndDate";
  const rows = [
    ["09/03/2023", "Virtual Machines", "eastus", 12.5],
    ["09/03/2023", "Storage", "westeurope", 1.25],
    ["09/10/2023", "Virtual Machines", "eastus", 13],
    ["09/22/2023", "Azure App Service", "eastus", 4.75],
  ].map(([date, cat, loc, cost]) =>
    `Sales,acct,Prod Subscription,rg-app,${loc},${date},"${cat} D4s v5 - Linux",${cat},D4s v5,1 Hour,1,${cost},USD,Usage,09/01/2023,09/30/2023`
  );
  return [head, ...rows].join("\n") + "\n";
}

t("Azure EA exports with Date/Cost/MeterCategory: daily dates, services from MeterCategory, regions", async () => {
  const { status, body, id } = await upload(azureEa(), "EA_ActualCost_Small.csv");
  assert.equal(status, 200, JSON.stringify(body));
  const ds = body.dataset as Dataset;
  assert.equal(ds.schema, "azure-ea");
  assert.deepEqual(ds.date_range, { start: "2023-09-03", end: "2023-09-22" });
  const by = await askOk<Answer>(app, id, "cost by service");
  assert.deepEqual(Object.fromEntries(by.result.rows.map((r) => [r[0], r[1]])), {
    "Virtual Machines": 25.5,
    "Storage": 1.25,
    "Azure App Service": 4.75,
  });
  const regions = await askOk<Answer>(app, id, "cost by region");
  assert.deepEqual(new Set(regions.result.rows.map((r) => r[0])), new Set(["eastus", "westeurope"]));
  // The amortized twin is labelled as amortized (effective) cost, never as billed.
  const amortized = await upload(azureEa(), "EA_AmortizedCost_Small.csv");
  const ads = amortized.body.dataset as Dataset;
  assert.deepEqual(ads.cost_bases, ["effective"]);
  assert.match(ads.schema_label, /amortized/);
  const total = await askOk<Answer & { basis: string }>(app, amortized.id, "total cost");
  assert.equal(total.basis, "effective");
  const billed = await askOk<{ response: string }>(app, amortized.id, "total billed cost");
  assert.match(billed.response, /no billed cost column/);
});

t("GCP: an empty location.region loses to location.location; credits (a JSON list) give net cost", async () => {
  const head = "billing_account_id,service.description,sku.description,usage_start_time,usage_end_time,project.id," +
    "location.region,location.location,cost,currency,credits";
  const rows = [
    `A,Compute Engine,N2 core,2024-05-01 00:00:00 UTC,2024-05-01 01:00:00 UTC,shop,,us-central1,10,USD,"[{""name"":""SUD"",""amount"":-1.5}]"`,
    `A,BigQuery,Analysis,2024-05-01 00:00:00 UTC,2024-05-01 01:00:00 UTC,shop,,europe-west1,4,USD,[]`,
    `A,Compute Engine,N2 core,2024-05-02 00:00:00 UTC,2024-05-02 01:00:00 UTC,shop,,us-central1,10,USD,"[{""name"":""SUD"",""amount"":-1},{""name"":""CUD"",""amount"":-2}]"`,
  ];
  const { status, body, id } = await upload([head, ...rows].join("\n") + "\n", "gcp.csv");
  assert.equal(status, 200, JSON.stringify(body));
  const ds = body.dataset as Dataset;
  const region = ds.mapping_choices.find((c) => c.role === "RegionName")!;
  assert.equal(region.chosen, "location.location");
  assert.match(region.why, /location\.region|first filled/);
  const regions = await askOk<Answer>(app, id, "cost by region");
  assert.deepEqual(new Set(regions.result.rows.map((r) => r[0])), new Set(["us-central1", "europe-west1"]));
  const net = await askOk<Answer & { response: string }>(app, id, "total effective cost");
  assert.equal(net.result.rows[0][0], 24 - 4.5);
  assert.match(net.response, /net cost: cost plus credits/);
  const gross = await askOk<Answer>(app, id, "total billed cost");
  assert.equal(gross.result.rows[0][0], 24);
});

t("legacy CUR without product/region takes the region from the availability zone, row by row", async () => {
  const head = "identity/LineItemId,lineItem/UsageStartDate,lineItem/UsageAccountId,lineItem/ProductCode," +
    "lineItem/UnblendedCost,lineItem/AvailabilityZone,product/regionCode";
  const rows = [
    "1,2024-05-01T00:00:00Z,111,AmazonEC2,5,us-east-1a,",
    "2,2024-05-01T00:00:00Z,111,AmazonS3,2,,eu-west-1",
    "3,2024-05-02T00:00:00Z,111,AmazonEC2,3,us-east-1b,us-east-1",
  ];
  const { status, body, id } = await upload([head, ...rows].join("\n") + "\n", "cur.csv");
  assert.equal(status, 200, JSON.stringify(body));
  const regions = await askOk<Answer>(app, id, "cost by region");
  assert.deepEqual(Object.fromEntries(regions.result.rows.map((r) => [r[0], r[1]])), {
    "us-east-1": 8,
    "eu-west-1": 2,
  });
});

t("quoted numbers with thousands separators are numbers", async () => {
  const csv = 'date,service,cost\n2024-05-01,EC2,"1,234.50"\n2024-05-02,S3,"$2,000"\n2024-05-03,EC2,10\n';
  const { status, body, id } = await upload(csv);
  assert.equal(status, 200, JSON.stringify(body));
  const total = await askOk<Answer>(app, id, "total cost");
  assert.equal(total.result.rows[0][0], 1234.5 + 2000 + 10);
});

t("OCI lines with a blank cost are said as such in a breakdown, never 'n/a'", async () => {
  const head = "lineItem/referenceNo,lineItem/intervalUsageStart,lineItem/intervalUsageEnd,product/service," +
    "product/compartmentName,product/region,cost/myCost,cost/currencyCode";
  const rows = [
    "a,2023-11-13T10:00Z,2023-11-13T11:00Z,DATABASE,pm,us-sanjose-1,1.25,USD",
    "b,2023-11-13T10:00Z,2023-11-13T11:00Z,TELEMETRY,pm,us-sanjose-1,,USD",
    "c,2023-11-13T11:00Z,2023-11-13T12:00Z,TELEMETRY,pm,us-sanjose-1,,USD",
  ];
  const { status, body, id } = await upload([head, ...rows].join("\n") + "\n", "oci.csv");
  assert.equal(status, 200, JSON.stringify(body));
  const by = await askOk<Answer & { response: string }>(app, id, "cost by service");
  assert.match(by.response, /TELEMETRY: no cost \(left blank in the data\)/);
  assert.doesNotMatch(by.response, /n\/a/);
});

Deno.test({ name: "shapes: cleanup", ...engineTest, fn: () => running.close() });
