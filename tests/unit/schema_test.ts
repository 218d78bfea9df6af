import assert from "node:assert/strict";
import { canonicalSelectSql, detectSchema, normName, type RawColumn } from "../../analytics/schema.ts";

const cols = (names: string[], type = "VARCHAR"): RawColumn[] => names.map((name) => ({ name, type }));

Deno.test("normName folds CUR legacy, Athena and camelCase headers together", () => {
  assert.equal(normName("lineItem/UnblendedCost"), "lineitemunblendedcost");
  assert.equal(normName("line_item_unblended_cost"), "lineitemunblendedcost");
  assert.equal(normName("costInBillingCurrency"), normName("CostInBillingCurrency"));
});

Deno.test("detectSchema: FOCUS versions from the columns each release added", () => {
  const base = ["BilledCost", "ChargePeriodStart", "EffectiveCost", "ListCost", "ServiceName", "BillingCurrency"];
  assert.equal(detectSchema(cols(base))!.format, "focus-1.0");
  assert.equal(detectSchema(cols([...base, "ServiceSubcategory"]))!.format, "focus-1.1");
  assert.equal(detectSchema(cols([...base, "InvoiceId"]))!.format, "focus-1.2");
  assert.equal(detectSchema(cols([...base, "AllocatedMethodId"]))!.format, "focus-1.3");
  const s = detectSchema(cols(base))!;
  assert.deepEqual(s.bases, ["billed", "effective", "list"]);
  assert.ok(s.confidence >= 0.9);
});

Deno.test("detectSchema: AWS CUR legacy, Athena and 2.0", () => {
  const legacy = detectSchema(cols([
    "lineItem/UsageStartDate",
    "lineItem/UnblendedCost",
    "product/ProductName",
    "lineItem/UsageAccountId",
    "product/region",
    "lineItem/LineItemType",
  ]))!;
  assert.equal(legacy.format, "aws-cur");
  assert.equal(legacy.mapping.ServiceName, '"product/ProductName"');
  assert.match(legacy.mapping.ChargeCategory!, /'Tax' THEN 'Tax'/);
  const athena = detectSchema(
    cols(["line_item_usage_start_date", "line_item_unblended_cost", "product_product_name"]),
  )!;
  assert.equal(athena.format, "aws-cur");
  const v2 = detectSchema(cols([
    "line_item_usage_start_date",
    "line_item_unblended_cost",
    "line_item_usage_account_name",
    "resource_tags",
    "product_servicecode",
  ]))!;
  assert.equal(v2.format, "aws-cur-2.0");
  assert.equal(v2.mapping.SubAccountName, '"line_item_usage_account_name"');
});

Deno.test("detectSchema: Azure EA vs MCA by header case; GCP; OCI", () => {
  assert.equal(
    detectSchema(cols(["Date", "CostInBillingCurrency", "MeterCategory", "BillingCurrencyCode"]))!.format,
    "azure-ea",
  );
  assert.equal(
    detectSchema(cols(["date", "costInBillingCurrency", "meterCategory", "billingCurrency"]))!.format,
    "azure-mca",
  );
  assert.equal(
    detectSchema(cols(["usage_start_time", "cost", "service.description", "project.id", "currency"]))!.format,
    "gcp",
  );
  assert.equal(detectSchema(cols(["lineItem/intervalUsageStart", "cost/myCost", "product/service"]))!.format, "oci");
});

Deno.test("detectSchema: generic CSV with a date and a cost-like number", () => {
  const s = detectSchema([
    { name: "day", type: "VARCHAR" },
    { name: "service", type: "VARCHAR" },
    { name: "region", type: "VARCHAR" },
    { name: "units", type: "BIGINT" },
    { name: "total_cost", type: "DOUBLE" },
  ])!;
  assert.equal(s.format, "generic");
  assert.equal(s.sources.BilledCost, "total_cost");
  assert.equal(s.sources.ChargePeriodStart, "day");
  assert.equal(s.sources.ServiceName, "service");
  assert.equal(s.sources.RegionName, "region");
});

Deno.test("detectSchema: no date or no cost → null", () => {
  assert.equal(detectSchema(cols(["name", "email"])), null);
  assert.equal(detectSchema([{ name: "date", type: "VARCHAR" }, { name: "name", type: "VARCHAR" }]), null);
});

Deno.test("tsExpr parses text dates month-first, ISO with Z, and keeps typed columns", () => {
  const s = detectSchema(cols(["Date", "CostInBillingCurrency"]))!;
  assert.match(s.mapping.ChargePeriodStart!, /%m\/%d\/%Y/);
  assert.match(s.mapping.ChargePeriodStart!, /regexp_replace/);
  // Text costs: a plain number, or one with thousands separators ("1,234.50", "$2,000").
  assert.match(s.mapping.BilledCost!, /^COALESCE\(TRY_CAST\(TRIM\("CostInBillingCurrency"\) AS DOUBLE\)/);
  assert.match(s.mapping.BilledCost!, /replace\(replace\(TRIM\("CostInBillingCurrency"\), ',', ''\), '\$', ''\)/);
});

Deno.test("canonicalSelectSql keeps original columns that do not collide, then the extra expressions", () => {
  const raw = cols(["Date", "CostInBillingCurrency", "ResourceGroup"]);
  const s = detectSchema(raw)!;
  const sql = canonicalSelectSql(raw, s.mapping);
  assert.match(sql, /AS "ChargePeriodStart"/);
  assert.match(sql, /, "Date", "CostInBillingCurrency", "ResourceGroup"$/);
  const withExtra = canonicalSelectSql(raw, s.mapping, ["hash(__finops_raw) AS h"]);
  assert.match(withExtra, /"ResourceGroup", hash\(__finops_raw\) AS h$/);
});
