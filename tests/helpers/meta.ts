/**
 * A hand-made dataset description and value index for pure planner and compiler tests.
 * @module
 */
import type { ValueIndex } from "../../agents/planner.ts";
import type { DatasetMeta } from "../../analytics/dataset.ts";

/** A FOCUS-like dataset covering 2025-01-01 .. 2025-06-30 in USD. */
export function fakeMeta(overrides: Partial<DatasetMeta> = {}): DatasetMeta {
  const canonical = [
    "ChargePeriodStart",
    "BilledCost",
    "EffectiveCost",
    "ListCost",
    "ServiceName",
    "RegionName",
    "SubAccountName",
    "ResourceId",
    "ChargeCategory",
    "PricingQuantity",
    "BillingCurrency",
    "ProviderName",
    "Tags",
  ] as DatasetMeta["canonical"];
  return {
    id: "0123456789abcdef0123456789abcdef",
    name: "fake.csv",
    createdAt: "2025-07-01T00:00:00Z",
    bytes: 1000,
    chunks: 1,
    rows: 100,
    schema: { format: "focus-1.0", label: "FOCUS 1.0", confidence: 0.95 },
    columns: [
      ...canonical.map((c) => ({
        name: c,
        type: /Cost|Quantity/.test(c) ? "DOUBLE" : "VARCHAR",
        role: c,
      })),
      { name: "RegionId", type: "VARCHAR", role: "dimension" },
      { name: "UsageType", type: "VARCHAR", role: "dimension" },
      { name: "ResourceGroup", type: "VARCHAR", role: "dimension" },
      { name: "ContractedCost", type: "DOUBLE", role: "measure" },
    ],
    mapping: {},
    canonical,
    dateRange: { start: "2025-01-01", end: "2025-06-30" },
    currencies: ["USD"],
    currency: "USD",
    bases: ["billed", "effective", "list"],
    tags: [
      { key: "team", variants: ["team", "Team"], rows: 80 },
      { key: "env", variants: ["env"], rows: 80 },
      { key: "cost-center", variants: ["cost-center"], rows: 40 },
    ],
    quality: {
      rows: 100,
      nullCounts: {},
      unparsable: {},
      duplicateRows: 0,
      currencies: ["USD"],
      costBases: ["billed", "effective", "list"],
      tagKeyVariantsMerged: [{ key: "team", variants: ["team", "Team"] }],
      untaggedCostPct: 20,
    },
    setupSql: [],
    ...overrides,
  };
}

/** Values of the fake dataset's dimensions. */
export function fakeValues(): ValueIndex {
  const v = (...xs: string[]) => xs.map((value, i) => ({ value, n: 100 - i }));
  return {
    ServiceName: v(
      "Amazon Elastic Compute Cloud",
      "Amazon Simple Storage Service",
      "Amazon Relational Database Service",
      "AWS Lambda",
      "Amazon Elastic Kubernetes Service",
      "Azure Kubernetes Service",
      "Virtual Machines",
      "Tax",
    ),
    RegionName: v("US East (N. Virginia)", "US West (Oregon)", "Europe (Ireland)", "East US"),
    RegionId: v("us-east-1", "us-west-2", "eu-west-1", "eastus"),
    SubAccountName: v("prod-platform", "prod-data", "staging", "dev-sandbox"),
    ChargeCategory: v("Usage", "Purchase", "Tax", "Credit"),
    ProviderName: v("AWS", "Microsoft"),
    BillingCurrency: v("USD"),
    UsageType: v("BoxUsage:m6i.xlarge", "TimedStorage-ByteHrs"),
    "tag:team": v("platform", "data", "web", "ml"),
    "tag:env": v("prod", "staging", "dev"),
  };
}
