/**
 * Generates `data/sample_billing.csv`: six months of realistic FOCUS 1.0 billing data for a
 * fictional company on AWS and Azure, deterministic (fixed seed), with weekly seasonality,
 * growth, a savings plan (committed usage, monthly purchase rows), tax, credits, tags, and
 * planted events: an EC2 spike in us-east-1 on 2025-05-14 and an S3 drop on 2025-03-20.
 *
 * Run: `deno run --allow-write=data data/generate_sample.ts`
 * @module
 */
import { mulberry32 } from "../analytics/random.ts";

export { mulberry32 };

const COLUMNS = [
  "BillingAccountId",
  "BillingAccountName",
  "BillingCurrency",
  "BillingPeriodStart",
  "BillingPeriodEnd",
  "ChargePeriodStart",
  "ChargePeriodEnd",
  "ChargeCategory",
  "ChargeClass",
  "ChargeDescription",
  "ChargeFrequency",
  "ProviderName",
  "PublisherName",
  "InvoiceIssuerName",
  "ServiceCategory",
  "ServiceName",
  "RegionId",
  "RegionName",
  "SubAccountId",
  "SubAccountName",
  "ResourceId",
  "ResourceName",
  "PricingCategory",
  "PricingQuantity",
  "PricingUnit",
  "ListUnitPrice",
  "ListCost",
  "ContractedCost",
  "BilledCost",
  "EffectiveCost",
  "CommitmentDiscountId",
  "CommitmentDiscountType",
  "SkuId",
  "Tags",
] as const;

type Row = Partial<Record<typeof COLUMNS[number], string | number | null>>;

interface ServiceSpec {
  provider: "AWS" | "Microsoft";
  name: string;
  category: string;
  unit: string;
  price: number;
  /** Daily quantity at the start, per (region, account) where it runs. */
  qty: number;
  regions: string[];
  accounts: string[];
  resources: number;
  sku: string;
  /** Share of usage covered by the savings plan (AWS compute only). */
  covered?: number;
  /** Monthly growth rate. */
  growth: number;
}

const REGIONS: Record<string, string> = {
  "us-east-1": "US East (N. Virginia)",
  "us-west-2": "US West (Oregon)",
  "eu-west-1": "Europe (Ireland)",
  "eastus": "East US",
  "westeurope": "West Europe",
};

const ACCOUNTS: Record<string, { id: string; team: string; env: string }> = {
  "prod-platform": { id: "111122223333", team: "platform", env: "prod" },
  "prod-data": { id: "444455556666", team: "data", env: "prod" },
  "staging": { id: "777788889999", team: "web", env: "staging" },
  "dev-sandbox": { id: "121212121212", team: "ml", env: "dev" },
  "azure-analytics": { id: "5f1d7a2e-0c4b-4c1e-9f7a-2b6d8e3c1a90", team: "data", env: "prod" },
};

const SERVICES: ServiceSpec[] = [
  {
    provider: "AWS",
    name: "Amazon Elastic Compute Cloud",
    category: "Compute",
    unit: "Hours",
    price: 0.192,
    qty: 620,
    regions: ["us-east-1", "us-west-2", "eu-west-1"],
    accounts: ["prod-platform", "prod-data", "staging", "dev-sandbox"],
    resources: 6,
    sku: "EC2-M6I-XL",
    covered: 0.55,
    growth: 0.03,
  },
  {
    provider: "AWS",
    name: "Amazon Simple Storage Service",
    category: "Storage",
    unit: "GB-Mo",
    price: 0.023,
    qty: 52000 / 30,
    regions: ["us-east-1", "eu-west-1"],
    accounts: ["prod-platform", "prod-data"],
    resources: 4,
    sku: "S3-STD",
    growth: 0.05,
  },
  {
    provider: "AWS",
    name: "Amazon Relational Database Service",
    category: "Databases",
    unit: "Hours",
    price: 0.68,
    qty: 96,
    regions: ["us-east-1"],
    accounts: ["prod-platform", "prod-data", "staging"],
    resources: 3,
    sku: "RDS-PG-R6G-XL",
    growth: 0.01,
  },
  {
    provider: "AWS",
    name: "AWS Lambda",
    category: "Compute",
    unit: "GB-Seconds",
    price: 0.0000166667,
    qty: 4_200_000,
    regions: ["us-east-1", "us-west-2"],
    accounts: ["prod-platform", "staging"],
    resources: 5,
    sku: "LAMBDA-GBS",
    growth: 0.06,
  },
  {
    provider: "AWS",
    name: "Amazon CloudFront",
    category: "Networking",
    unit: "GB",
    price: 0.085,
    qty: 1400,
    regions: ["us-east-1"],
    accounts: ["prod-platform"],
    resources: 2,
    sku: "CF-DTO",
    growth: 0.04,
  },
  {
    provider: "AWS",
    name: "Amazon DynamoDB",
    category: "Databases",
    unit: "RCU-Hours",
    price: 0.00013,
    qty: 380_000,
    regions: ["us-east-1", "eu-west-1"],
    accounts: ["prod-platform"],
    resources: 3,
    sku: "DDB-RCU",
    growth: 0.02,
  },
  {
    provider: "AWS",
    name: "Amazon Elastic Kubernetes Service",
    category: "Compute",
    unit: "Hours",
    price: 0.1,
    qty: 72,
    regions: ["us-east-1", "eu-west-1"],
    accounts: ["prod-platform", "staging"],
    resources: 3,
    sku: "EKS-CLUSTER",
    growth: 0,
  },
  {
    provider: "AWS",
    name: "Amazon SageMaker",
    category: "AI and Machine Learning",
    unit: "Hours",
    price: 1.21,
    qty: 30,
    regions: ["us-west-2"],
    accounts: ["dev-sandbox"],
    resources: 2,
    sku: "SM-ML-G5-XL",
    growth: 0.12,
  },
  {
    provider: "Microsoft",
    name: "Virtual Machines",
    category: "Compute",
    unit: "Hours",
    price: 0.208,
    qty: 190,
    regions: ["eastus", "westeurope"],
    accounts: ["azure-analytics"],
    resources: 4,
    sku: "D4s-v5",
    growth: 0.02,
  },
  {
    provider: "Microsoft",
    name: "Storage",
    category: "Storage",
    unit: "GB-Mo",
    price: 0.0208,
    qty: 21000 / 30,
    regions: ["eastus"],
    accounts: ["azure-analytics"],
    resources: 2,
    sku: "BLOB-HOT-LRS",
    growth: 0.03,
  },
];

function iso(d: Date): string {
  return d.toISOString().slice(0, 10);
}
function ts(d: Date): string {
  return `${iso(d)} 00:00:00`;
}
function round(n: number, p = 10): number {
  return Math.round(n * 10 ** p) / 10 ** p;
}

/** Generates the rows. */
export function generateSample(seed = 20250101): Row[] {
  const rnd = mulberry32(seed);
  const rows: Row[] = [];
  const start = new Date(Date.UTC(2025, 0, 1));
  const days = 181; // 2025-01-01 .. 2025-06-30
  const spId = "arn:aws:savingsplans::111122223333:savingsplan/sp-0a1b2c3d4e5f";
  const spRate = 0.72; // the savings plan prices covered compute at 72% of on-demand
  const monthlyCommit: Record<string, number> = {};

  for (let d = 0; d < days; d++) {
    const day = new Date(start.getTime() + d * 86_400_000);
    const next = new Date(day.getTime() + 86_400_000);
    const monthStart = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), 1));
    const monthEnd = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth() + 1, 1));
    const months = d / 30.4;
    const dow = day.getUTCDay();
    const weekly = dow === 0 || dow === 6 ? 0.78 : 1.06;
    for (const s of SERVICES) {
      for (const region of s.regions) {
        for (const account of s.accounts) {
          const acct = ACCOUNTS[account];
          const accountScale = account.startsWith("prod") ? 1 : account === "staging" ? 0.35 : 0.2;
          const regionScale = region === "us-east-1" || region === "eastus" ? 1 : 0.55;
          let qty = s.qty * accountScale * regionScale * (1 + s.growth) ** months *
            (s.category === "Storage" ? 1 : weekly) * (0.92 + 0.16 * rnd());
          // Planted events.
          if (
            s.name === "Amazon Elastic Compute Cloud" && region === "us-east-1" && account === "prod-data" &&
            iso(day) === "2025-05-14"
          ) {
            qty *= 6.5;
          }
          if (s.name === "Amazon Simple Storage Service" && region === "eu-west-1" && iso(day) === "2025-03-20") {
            qty *= 0.3;
          }
          const res = Math.floor(rnd() * s.resources);
          const resourceId = s.provider === "AWS"
            ? `arn:aws:${s.sku.split("-")[0].toLowerCase()}:${region}:${acct.id}:resource/${s.sku.toLowerCase()}-${res}`
            : `/subscriptions/${acct.id}/resourceGroups/rg-${acct.team}/providers/${
              s.name.replace(/\s/g, "")
            }/${s.sku.toLowerCase()}-${res}`;
          const base: Row = {
            BillingAccountId: s.provider === "AWS" ? "999988887777" : "8f3e2d1c-aaaa-bbbb-cccc-0123456789ab",
            BillingAccountName: "Acme Corp",
            BillingCurrency: "USD",
            BillingPeriodStart: ts(monthStart),
            BillingPeriodEnd: ts(monthEnd),
            ChargePeriodStart: ts(day),
            ChargePeriodEnd: ts(next),
            ChargeCategory: "Usage",
            ChargeClass: null,
            ChargeFrequency: "Usage-Based",
            ProviderName: s.provider,
            PublisherName: s.provider === "AWS" ? "Amazon Web Services, Inc." : "Microsoft",
            InvoiceIssuerName: s.provider === "AWS" ? "Amazon Web Services, Inc." : "Microsoft",
            ServiceCategory: s.category,
            ServiceName: s.name,
            RegionId: region,
            RegionName: REGIONS[region],
            SubAccountId: acct.id,
            SubAccountName: account,
            ResourceId: resourceId,
            ResourceName: `${s.sku.toLowerCase()}-${res}`,
            PricingUnit: s.unit,
            ListUnitPrice: s.price,
            SkuId: s.sku,
            Tags: JSON.stringify({ team: acct.team, env: acct.env, "cost-center": `cc-${acct.team}` }),
          };
          const covered = s.covered && account.startsWith("prod") ? s.covered : 0;
          if (covered) {
            const cq = qty * covered;
            const eff = cq * s.price * spRate;
            const key = iso(monthStart);
            monthlyCommit[key] = (monthlyCommit[key] ?? 0) + eff;
            rows.push({
              ...base,
              ChargeDescription: `${s.sku} usage covered by Savings Plan`,
              PricingCategory: "Committed",
              PricingQuantity: round(cq, 6),
              ListCost: round(cq * s.price),
              ContractedCost: round(cq * s.price),
              BilledCost: 0,
              EffectiveCost: round(eff),
              CommitmentDiscountId: spId,
              CommitmentDiscountType: "Savings Plan",
            });
          }
          const oq = qty * (1 - covered);
          rows.push({
            ...base,
            ChargeDescription: `${s.sku} on-demand usage`,
            PricingCategory: "Standard",
            PricingQuantity: round(oq, 6),
            ListCost: round(oq * s.price),
            ContractedCost: round(oq * s.price),
            BilledCost: round(oq * s.price),
            EffectiveCost: round(oq * s.price),
            CommitmentDiscountId: null,
            CommitmentDiscountType: null,
          });
        }
      }
    }
  }

  // Month-level rows: the savings plan purchase (billed, amortized into the covered usage),
  // tax, and a promotional credit in March.
  for (let m = 0; m < 6; m++) {
    const ms = new Date(Date.UTC(2025, m, 1));
    const me = new Date(Date.UTC(2025, m + 1, 1));
    const month: Row = {
      BillingAccountId: "999988887777",
      BillingAccountName: "Acme Corp",
      BillingCurrency: "USD",
      BillingPeriodStart: ts(ms),
      BillingPeriodEnd: ts(me),
      ChargePeriodStart: ts(ms),
      ChargePeriodEnd: ts(me),
      ProviderName: "AWS",
      PublisherName: "Amazon Web Services, Inc.",
      InvoiceIssuerName: "Amazon Web Services, Inc.",
      SubAccountId: "111122223333",
      SubAccountName: "prod-platform",
      RegionId: null,
      RegionName: null,
      ListUnitPrice: null,
      PricingQuantity: null,
      PricingUnit: null,
      Tags: null,
    };
    const commit = Math.round(monthlyCommit[iso(ms)] ?? 0);
    rows.push({
      ...month,
      ChargeCategory: "Purchase",
      ChargeFrequency: "Recurring",
      ChargeDescription: "Compute Savings Plan, 1 year, no upfront: monthly commitment",
      ServiceCategory: "Compute",
      ServiceName: "Amazon Elastic Compute Cloud",
      PricingCategory: "Committed",
      ListCost: 0,
      ContractedCost: commit,
      BilledCost: commit,
      EffectiveCost: 0,
      CommitmentDiscountId: spId,
      CommitmentDiscountType: "Savings Plan",
      SkuId: "SP-COMPUTE-1Y",
    });
    rows.push({
      ...month,
      ChargeCategory: "Tax",
      ChargeFrequency: "Recurring",
      ChargeDescription: "Sales tax",
      ServiceCategory: "Other",
      ServiceName: "Tax",
      ListCost: 0,
      ContractedCost: 0,
      BilledCost: 1850 + m * 60,
      EffectiveCost: 1850 + m * 60,
      SkuId: "TAX",
    });
    if (m === 2) {
      rows.push({
        ...month,
        ChargeCategory: "Credit",
        ChargeFrequency: "One-Time",
        ChargeDescription: "Promotional credit",
        ServiceCategory: "Other",
        ServiceName: "AWS Support (Business)",
        ListCost: 0,
        ContractedCost: 0,
        BilledCost: -500,
        EffectiveCost: -500,
        SkuId: "CREDIT-PROMO",
      });
    }
  }
  return rows;
}

function csvCell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return "";
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Renders rows as CSV text, with the sample's columns or the ones given. */
export function toCsv<C extends string>(
  rows: Partial<Record<C, string | number | null>>[],
  columns: readonly C[] = COLUMNS as unknown as readonly C[],
): string {
  return [columns.join(","), ...rows.map((r) => columns.map((c) => csvCell(r[c])).join(","))].join("\n") + "\n";
}

if (import.meta.main) {
  const rows = generateSample();
  await Deno.writeTextFile(new URL("./sample_billing.csv", import.meta.url), toCsv(rows));
  console.log(`wrote ${rows.length} rows`);
}
