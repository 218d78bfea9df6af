/**
 * A richer FOCUS 1.0/1.1 export for the use-case suite, generated deterministically: three
 * months and billing periods, three providers, a Savings Plan used and unused with recurring
 * fees, a one-time reservation purchase, corrections billed a period later, late charges,
 * marketplace rows, tax, a credit, untagged rows, consumed quantities with units, and a sub
 * account called "Atlas Orion" at each provider.
 * @module
 */
import { mulberry32 } from "../../analytics/random.ts";
import { toCsv } from "../../data/generate_sample.ts";

/** Columns of the generated export, in order. */
export const RICH_COLUMNS = [
  "BillingAccountId",
  "BillingAccountName",
  "BillingCurrency",
  "BillingPeriodStart",
  "BillingPeriodEnd",
  "ChargePeriodStart",
  "ChargePeriodEnd",
  "ChargeCategory",
  "ChargeClass",
  "ChargeFrequency",
  "ChargeDescription",
  "BilledCost",
  "EffectiveCost",
  "ListCost",
  "ContractedCost",
  "CommitmentDiscountId",
  "CommitmentDiscountName",
  "CommitmentDiscountStatus",
  "CommitmentDiscountType",
  "CommitmentDiscountQuantity",
  "ConsumedQuantity",
  "ConsumedUnit",
  "PricingQuantity",
  "PricingUnit",
  "ProviderName",
  "PublisherName",
  "InvoiceIssuerName",
  "RegionId",
  "RegionName",
  "ResourceId",
  "ServiceCategory",
  "ServiceName",
  "SkuId",
  "SubAccountId",
  "SubAccountName",
  "Tags",
] as const;

type Row = Partial<Record<typeof RICH_COLUMNS[number], string | number | null>>;

interface Series {
  provider: string;
  issuer: string;
  billing: [string, string];
  account: [string, string];
  service: string;
  category: string;
  region: [string, string];
  sku: string;
  unit: string;
  /** Mean daily list cost. */
  daily: number;
  tags: string | null;
  /** Covered by the Savings Plan (effective = 70 % of list, billed 0). */
  covered?: boolean;
}

const SERIES: Series[] = [
  {
    provider: "AWS",
    issuer: "Amazon Web Services, Inc.",
    billing: ["900000000001", "Orbit Holdings"],
    account: ["111111111111", "Atlas Orion"],
    service: "Amazon Elastic Compute Cloud",
    category: "Compute",
    region: ["us-east-1", "US East (N. Virginia)"],
    sku: "EC2-M5-LARGE",
    unit: "Hours",
    daily: 40,
    tags: '{"team":"web","env":"prod"}',
    covered: true,
  },
  {
    provider: "AWS",
    issuer: "Amazon Web Services, Inc.",
    billing: ["900000000001", "Orbit Holdings"],
    account: ["222222222222", "Nova Prod"],
    service: "Amazon Simple Storage Service",
    category: "Storage",
    region: ["eu-west-1", "Europe (Ireland)"],
    sku: "S3-STANDARD",
    unit: "GB-Months",
    daily: 12,
    tags: null,
  },
  {
    provider: "AWS",
    issuer: "Amazon Web Services, Inc.",
    billing: ["900000000001", "Orbit Holdings"],
    account: ["222222222222", "Nova Prod"],
    service: "Amazon Relational Database Service",
    category: "Databases",
    region: ["us-east-1", "US East (N. Virginia)"],
    sku: "RDS-PG-LARGE",
    unit: "Hours",
    daily: 18,
    tags: '{"team":"data","env":"prod"}',
  },
  {
    provider: "Microsoft",
    issuer: "Microsoft",
    billing: ["ms-billing-01", "Orbit EA"],
    account: ["/subscriptions/0a0a0a0a-1111-2222-3333-444444444444", "Atlas Orion"],
    service: "Virtual Machines",
    category: "Compute",
    region: ["westeurope", "West Europe"],
    sku: "D4s-v5",
    unit: "Hours",
    daily: 25,
    tags: '{"team":"web","env":"dev"}',
  },
  {
    provider: "Microsoft",
    issuer: "Microsoft",
    billing: ["ms-billing-01", "Orbit EA"],
    account: ["/subscriptions/5b5b5b5b-6666-7777-8888-999999999999", "Contoso Dev"],
    service: "Storage Accounts",
    category: "Storage",
    region: ["westeurope", "West Europe"],
    sku: "LRS-HOT",
    unit: "GB",
    daily: 6,
    tags: '{"team":"data"}',
  },
  {
    provider: "Oracle",
    issuer: "Oracle",
    billing: ["ocid1.tenancy.oc1..orbit", "Orbit OCI"],
    account: ["ocid1.compartment.oc1..atlas", "Atlas Orion"],
    service: "Oracle Compute",
    category: "Compute",
    region: ["us-ashburn-1", "US East (Ashburn)"],
    sku: "VM-STANDARD-E4",
    unit: "Hours",
    daily: 9,
    tags: null,
  },
];

const round = (v: number) => Math.round(v * 10000) / 10000;
const day = (d: Date) => d.toISOString().slice(0, 10);
const ts = (d: string) => `${d} 00:00:00`;
const monthStart = (d: string) => `${d.slice(0, 7)}-01`;
function nextMonth(d: string): string {
  const [y, m] = d.split("-").map(Number);
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, "0")}-01`;
}
function addDay(d: string): string {
  return day(new Date(Date.parse(d) + 86_400_000));
}

function usageRow(s: Series, date: string, list: number, billingMonth = monthStart(date)): Row {
  const contracted = round(list * 0.95);
  const covered = s.covered;
  return {
    BillingAccountId: s.billing[0],
    BillingAccountName: s.billing[1],
    BillingCurrency: "USD",
    BillingPeriodStart: ts(billingMonth),
    BillingPeriodEnd: ts(nextMonth(billingMonth)),
    ChargePeriodStart: ts(date),
    ChargePeriodEnd: ts(addDay(date)),
    ChargeCategory: "Usage",
    ChargeFrequency: "Usage-Based",
    ChargeDescription: `${s.service} usage`,
    BilledCost: covered ? 0 : contracted,
    EffectiveCost: covered ? round(list * 0.7) : contracted,
    ListCost: list,
    ContractedCost: contracted,
    CommitmentDiscountId: covered ? "sp-0001" : null,
    CommitmentDiscountName: covered ? "Compute Savings Plan 1y" : null,
    CommitmentDiscountStatus: covered ? "Used" : null,
    CommitmentDiscountType: covered ? "Savings Plan" : null,
    CommitmentDiscountQuantity: covered ? round(list * 0.7) : null,
    ConsumedQuantity: round(list * 4),
    ConsumedUnit: s.unit,
    PricingQuantity: round(list * 4),
    PricingUnit: s.unit,
    ProviderName: s.provider,
    PublisherName: s.issuer,
    InvoiceIssuerName: s.issuer,
    RegionId: s.region[0],
    RegionName: s.region[1],
    ResourceId: `${s.sku.toLowerCase()}-${s.account[0].slice(-4)}`,
    ServiceCategory: s.category,
    ServiceName: s.service,
    SkuId: s.sku,
    SubAccountId: s.account[0],
    SubAccountName: s.account[1],
    Tags: s.tags,
  };
}

function commitmentRow(date: string, fields: Row): Row {
  const aws = SERIES[0];
  return {
    ...usageRow(aws, date, 0),
    ChargeDescription: "Savings Plan",
    ResourceId: "sp-0001",
    SkuId: "SP-COMPUTE",
    ConsumedQuantity: null,
    ConsumedUnit: null,
    PricingQuantity: null,
    PricingUnit: null,
    CommitmentDiscountId: "sp-0001",
    CommitmentDiscountName: "Compute Savings Plan 1y",
    CommitmentDiscountType: "Savings Plan",
    ...fields,
  };
}

/** The rows of the generated export. */
export function richRows(): Row[] {
  const rnd = mulberry32(20250101);
  const rows: Row[] = [];
  for (let t = Date.parse("2025-01-01"); t < Date.parse("2025-04-01"); t += 86_400_000) {
    const date = day(new Date(t));
    for (const s of SERIES) {
      const list = round(s.daily * (0.8 + rnd() * 0.4));
      // Late charges: usage on the last day of January arrives on February's invoice.
      rows.push(
        usageRow(s, date, list, date === "2025-01-31" && s.provider === "Microsoft" ? "2025-02-01" : undefined),
      );
    }
    // The Savings Plan is not fully used: a daily unused share.
    rows.push(commitmentRow(date, {
      ChargeDescription: "Unused Savings Plan commitment",
      BilledCost: 0,
      EffectiveCost: 3.5,
      ListCost: 0,
      ContractedCost: 0,
      CommitmentDiscountStatus: "Unused",
      CommitmentDiscountQuantity: 3.5,
    }));
    // A marketplace product billed through AWS.
    rows.push({
      ...usageRow(SERIES[2], date, 3),
      ServiceName: "Acme Analytics Platform",
      ServiceCategory: "Other",
      PublisherName: "Acme Analytics LLC",
      SkuId: "ACME-PRO",
      ResourceId: "acme-subscription",
    });
    if (date.endsWith("-01")) {
      rows.push(commitmentRow(date, {
        ChargeCategory: "Purchase",
        ChargeFrequency: "Recurring",
        ChargeDescription: "Savings Plan recurring fee",
        BilledCost: 450,
        EffectiveCost: 0,
        ListCost: 0,
        ContractedCost: 0,
        CommitmentDiscountStatus: null,
        CommitmentDiscountQuantity: null,
      }));
    }
  }
  rows.push(commitmentRow("2025-02-10", {
    ChargeCategory: "Purchase",
    ChargeFrequency: "One-Time",
    ChargeDescription: "Reserved Instance upfront fee",
    BilledCost: 1200,
    EffectiveCost: 0,
    ListCost: 0,
    ContractedCost: 0,
    CommitmentDiscountId: "ri-0007",
    CommitmentDiscountName: "RDS Reserved Instance",
    CommitmentDiscountType: "Reservation",
    CommitmentDiscountStatus: null,
    CommitmentDiscountQuantity: null,
    ServiceName: "Amazon Relational Database Service",
    ServiceCategory: "Databases",
  }));
  // Corrections of February, invoiced in March.
  for (const [i, s] of [SERIES[0], SERIES[3]].entries()) {
    rows.push({
      ...usageRow(s, "2025-02-15", 0, "2025-03-01"),
      ChargeClass: "Correction",
      ChargeDescription: "Correction of a February charge",
      BilledCost: -40 - i * 5.5,
      EffectiveCost: -40 - i * 5.5,
      ListCost: -40 - i * 5.5,
      ContractedCost: -40 - i * 5.5,
      CommitmentDiscountId: null,
      CommitmentDiscountStatus: null,
      CommitmentDiscountType: null,
      CommitmentDiscountName: null,
      ConsumedQuantity: 0,
    });
  }
  const taxes: [string, number][] = [["2025-01-31", 75.25], ["2025-02-28", 80.1], ["2025-03-31", 90]];
  for (const [date, amount] of taxes) {
    rows.push({
      ...usageRow(SERIES[1], date, 0),
      ChargeCategory: "Tax",
      ChargeFrequency: "Recurring",
      ChargeDescription: "Sales tax",
      BilledCost: amount,
      EffectiveCost: amount,
      ListCost: 0,
      ContractedCost: 0,
      RegionId: null,
      RegionName: null,
      ResourceId: null,
      SkuId: null,
      ServiceName: "Tax",
      ServiceCategory: "Other",
      ConsumedQuantity: null,
      ConsumedUnit: null,
    });
  }
  rows.push({
    ...usageRow(SERIES[3], "2025-02-20", 0),
    ChargeCategory: "Credit",
    ChargeFrequency: "One-Time",
    ChargeDescription: "Promotional credit",
    BilledCost: -100,
    EffectiveCost: -100,
    ListCost: 0,
    ContractedCost: 0,
    ConsumedQuantity: null,
  });
  return rows;
}

/** The generated export as CSV text. */
export function richCsv(): string {
  return toCsv(richRows(), RICH_COLUMNS);
}
