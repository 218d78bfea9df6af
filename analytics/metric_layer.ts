/**
 * The FOCUS metric layer: named measures, named filters (scopes) and the columns they need,
 * each with its SQL, defined once and used by the built-in planner, the compiler, the answer
 * text and the LLM's `make_plan` tool alike.
 *
 * Definitions follow the FOCUS specification (v1.0–v1.2) and the FinOps Foundation's FOCUS
 * use-case library (focus.finops.org/use-cases): effective savings rate, commitment
 * utilization and coverage, unused commitments, tag coverage, corrections, marketplace spend.
 * Provider exports that are not FOCUS are read through the same names where a column means the
 * same thing (`FIELD_ALIASES`); when a metric's columns are missing, {@link missingFor} says which.
 *
 * @example
 * metricSql("effective_savings_rate", columnResolver(meta), "effective")
 * // → '(SUM("ListCost") FILTER (WHERE "ChargeCategory" = \'Usage\') - …) * 100.0 / NULLIF(…)'
 * @module
 */
import type { CanonicalColumn, CostBasis, DatasetMeta } from "./dataset.ts";
import { BASIS_COLUMN } from "./dataset.ts";
import { normName } from "./schema.ts";
import { q } from "./sql.ts";

/** FOCUS columns the metric layer reads, beyond the canonical ones. */
export type FocusField =
  | CanonicalColumn
  | "ContractedCost"
  | "ChargeClass"
  | "ChargeFrequency"
  | "CommitmentDiscountStatus"
  | "CommitmentDiscountId"
  | "CommitmentDiscountName"
  | "CommitmentDiscountType"
  | "CommitmentDiscountQuantity"
  | "PublisherName"
  | "InvoiceIssuerName"
  | "BillingPeriodStart"
  | "SubAccountId"
  | "BillingAccountId"
  | "BillingAccountName"
  | "ConsumedQuantity"
  | "ConsumedUnit"
  | "PricingUnit"
  | "RegionId";

/**
 * Where a non-FOCUS export keeps a FOCUS field (normalised header names, first present wins):
 * AWS CUR (legacy and 2.0/Athena), Azure EA/MCA, GCP.
 */
const FIELD_ALIASES: Partial<Record<FocusField, string[]>> = {
  BillingPeriodStart: [
    "billbillingperiodstartdate",
    "billingperiodstartdate",
    "billingperiodstart",
    "invoicemonth",
  ],
  SubAccountId: ["lineitemusageaccountid", "subscriptionid", "projectid", "subaccountid"],
  BillingAccountId: ["billpayeraccountid", "billingaccountid", "billingprofileid"],
  CommitmentDiscountId: ["savingsplansavingsplanarn", "reservationreservationarn", "reservationid", "benefitid"],
  ConsumedQuantity: ["lineitemusageamount", "usagequantity", "consumedquantity", "usageamount"],
  ConsumedUnit: ["pricingunit", "unitofmeasure", "usageunit", "consumedunit"],
  PublisherName: ["publishername"],
  RegionId: ["productregion", "productregioncode", "regionid", "resourcelocation"],
};

/**
 * FOCUS fields an AWS CUR carries in its line item type, consistent with the effective cost the
 * CUR mapping computes (analytics/schema.ts): Savings Plan and RI covered usage is "Used"; the
 * recurring fee rows carry exactly the commitment left unused, so they are "Unused".
 */
const DERIVED: Partial<Record<FocusField, (find: (n: string) => string | null) => string | null>> = {
  CommitmentDiscountStatus: (find) => {
    const type = find("lineitemlineitemtype");
    const commitment = find("savingsplansavingsplaneffectivecost") ?? find("reservationeffectivecost");
    if (!type || !commitment) return null;
    return `CASE ${type} WHEN 'SavingsPlanCoveredUsage' THEN 'Used' WHEN 'DiscountedUsage' THEN 'Used' ` +
      `WHEN 'SavingsPlanRecurringFee' THEN 'Unused' WHEN 'RIFee' THEN 'Unused' END`;
  },
  ChargeFrequency: (find) => {
    const type = find("lineitemlineitemtype");
    if (!type) return null;
    return `CASE ${type} WHEN 'RIFee' THEN 'Recurring' WHEN 'SavingsPlanRecurringFee' THEN 'Recurring' ` +
      `WHEN 'SavingsPlanUpfrontFee' THEN 'One-Time' WHEN 'Fee' THEN 'One-Time' ELSE 'Usage-Based' END`;
  },
};

/** Resolves a FOCUS field to an SQL expression over the dataset's table, or null. */
export type ColumnResolver = (field: FocusField) => string | null;

/**
 * The resolver of a dataset: canonical columns first, then the file's own by name or alias,
 * then fields derived from another export's columns ({@link DERIVED}).
 */
export function columnResolver(meta: DatasetMeta): ColumnResolver {
  const byNorm = new Map<string, string>();
  for (const c of meta.columns) if (!byNorm.has(normName(c.name))) byNorm.set(normName(c.name), c.name);
  const find = (n: string) => (byNorm.has(n) ? q(byNorm.get(n)!) : null);
  return (field) => {
    if (meta.canonical.includes(field as CanonicalColumn)) return q(field);
    for (const n of [normName(field), ...(FIELD_ALIASES[field] ?? [])]) {
      const name = byNorm.get(n);
      if (name) return q(name);
    }
    return DERIVED[field]?.(find) ?? null;
  };
}

/** Whether a resolved field is a plain column (so it can be grouped by its name). */
export function isPlainColumn(sql: string | null): sql is string {
  return sql !== null && /^"(?:[^"]|"")*"$/.test(sql);
}

/** How a metric's values read. */
export type MetricKind = "money" | "pct" | "count" | "quantity" | "money_per_unit";

/** One named measure. */
export interface MetricDef {
  label: string;
  kind: MetricKind;
  /** Columns it needs; the basis column is added for cost-based metrics. */
  needs: FocusField[];
  /** Whether it sums the plan's cost basis (so that column is needed too). */
  usesBasis?: boolean;
  /** How it is computed, stated in the answer. */
  how: string;
  sql: (col: (f: FocusField) => string, basis: string) => string;
  /** A better definition used when the data has its columns (FOCUS 1.1 commitment quantities). */
  variant?: Omit<MetricDef, "label" | "kind" | "variant">;
}

const USAGE = (col: (f: FocusField) => string) => `${col("ChargeCategory")} = 'Usage'`;
const sumIf = (expr: string, cond: string) => `SUM(${expr}) FILTER (WHERE ${cond})`;
const pct = (num: string, den: string) => `(${num}) * 100.0 / NULLIF(${den}, 0)`;
const tagged = (col: (f: FocusField) => string) => `${col("Tags")} IS NOT NULL`;

/** The named measures. */
export const METRICS = {
  billed_cost: {
    label: "Billed cost",
    kind: "money",
    needs: ["BilledCost"],
    how: "sum of BilledCost",
    sql: (col) => `SUM(${col("BilledCost")})`,
  },
  effective_cost: {
    label: "Effective cost",
    kind: "money",
    needs: ["EffectiveCost"],
    how: "sum of EffectiveCost",
    sql: (col) => `SUM(${col("EffectiveCost")})`,
  },
  list_cost: {
    label: "List cost",
    kind: "money",
    needs: ["ListCost"],
    how: "sum of ListCost",
    sql: (col) => `SUM(${col("ListCost")})`,
  },
  contracted_cost: {
    label: "Contracted cost",
    kind: "money",
    needs: ["ContractedCost"],
    how: "sum of ContractedCost",
    sql: (col) => `SUM(${col("ContractedCost")})`,
  },
  consumed_quantity: {
    label: "Consumed quantity",
    kind: "quantity",
    needs: ["ConsumedQuantity"],
    how: "sum of ConsumedQuantity",
    sql: (col) => `SUM(${col("ConsumedQuantity")})`,
  },
  cost_per_unit: {
    label: "Cost per unit",
    kind: "money_per_unit",
    needs: ["ConsumedQuantity"],
    usesBasis: true,
    how: "cost divided by ConsumedQuantity, per ConsumedUnit",
    sql: (col, basis) => `SUM(${basis}) / NULLIF(SUM(${col("ConsumedQuantity")}), 0)`,
  },
  savings_vs_list: {
    label: "Savings against list",
    kind: "money",
    needs: ["ListCost", "EffectiveCost", "ChargeCategory"],
    how: "ListCost − EffectiveCost over usage charges",
    sql: (col) => `${sumIf(col("ListCost"), USAGE(col))} - ${sumIf(col("EffectiveCost"), USAGE(col))}`,
  },
  savings_vs_contracted: {
    label: "Savings against contracted",
    kind: "money",
    needs: ["ContractedCost", "EffectiveCost", "ChargeCategory"],
    how: "ContractedCost − EffectiveCost over usage charges",
    sql: (col) => `${sumIf(col("ContractedCost"), USAGE(col))} - ${sumIf(col("EffectiveCost"), USAGE(col))}`,
  },
  effective_savings_rate: {
    label: "Effective savings rate",
    kind: "pct",
    needs: ["ListCost", "EffectiveCost", "ChargeCategory"],
    how: "(ListCost − EffectiveCost) / ListCost over usage charges (FinOps Foundation ESR)",
    sql: (col) =>
      pct(
        `${sumIf(col("ListCost"), USAGE(col))} - ${sumIf(col("EffectiveCost"), USAGE(col))}`,
        sumIf(col("ListCost"), USAGE(col)),
      ),
  },
  contracted_savings_rate: {
    label: "Savings rate against contracted",
    kind: "pct",
    needs: ["ContractedCost", "EffectiveCost", "ChargeCategory"],
    how: "(ContractedCost − EffectiveCost) / ContractedCost over usage charges",
    sql: (col) =>
      pct(
        `${sumIf(col("ContractedCost"), USAGE(col))} - ${sumIf(col("EffectiveCost"), USAGE(col))}`,
        sumIf(col("ContractedCost"), USAGE(col)),
      ),
  },
  commitment_utilization: {
    label: "Commitment utilization",
    kind: "pct",
    needs: ["EffectiveCost", "CommitmentDiscountStatus"],
    how: "effective cost of used commitment / (used + unused), CommitmentDiscountStatus",
    sql: (col) =>
      pct(
        sumIf(col("EffectiveCost"), `${col("CommitmentDiscountStatus")} = 'Used'`),
        sumIf(col("EffectiveCost"), `${col("CommitmentDiscountStatus")} IN ('Used', 'Unused')`),
      ),
    variant: {
      needs: ["CommitmentDiscountQuantity", "CommitmentDiscountStatus"],
      how: "CommitmentDiscountQuantity used / (used + unused) (FOCUS 1.1)",
      sql: (col) =>
        pct(
          sumIf(col("CommitmentDiscountQuantity"), `${col("CommitmentDiscountStatus")} = 'Used'`),
          sumIf(col("CommitmentDiscountQuantity"), `${col("CommitmentDiscountStatus")} IN ('Used', 'Unused')`),
        ),
    },
  },
  commitment_coverage: {
    label: "Commitment coverage",
    kind: "pct",
    needs: ["EffectiveCost", "CommitmentDiscountStatus", "ChargeCategory"],
    how: "effective cost of usage covered by a commitment / effective cost of all usage (unused commitment left out)",
    sql: (col) =>
      pct(
        sumIf(col("EffectiveCost"), `${USAGE(col)} AND ${col("CommitmentDiscountStatus")} = 'Used'`),
        sumIf(
          col("EffectiveCost"),
          `${USAGE(col)} AND ${col("CommitmentDiscountStatus")} IS DISTINCT FROM 'Unused'`,
        ),
      ),
  },
  unused_commitment_cost: {
    label: "Unused commitment cost",
    kind: "money",
    needs: ["EffectiveCost", "CommitmentDiscountStatus"],
    how: "effective cost where CommitmentDiscountStatus = 'Unused'",
    sql: (col) => `COALESCE(${sumIf(col("EffectiveCost"), `${col("CommitmentDiscountStatus")} = 'Unused'`)}, 0)`,
  },
  tag_coverage: {
    label: "Tag coverage",
    kind: "pct",
    needs: ["Tags"],
    usesBasis: true,
    how: "cost of rows carrying at least one tag / all cost",
    sql: (col, basis) => pct(sumIf(basis, tagged(col)), `SUM(${basis})`),
  },
  line_items: {
    label: "Line items",
    kind: "count",
    needs: [],
    how: "number of rows",
    sql: () => "COUNT(*)",
  },
  count_sub_accounts: {
    label: "Sub accounts",
    kind: "count",
    needs: ["SubAccountId"],
    how: "distinct SubAccountId",
    sql: (col) => `COUNT(DISTINCT ${col("SubAccountId")})`,
  },
  count_billing_accounts: {
    label: "Billing accounts",
    kind: "count",
    needs: ["BillingAccountId"],
    how: "distinct BillingAccountId",
    sql: (col) => `COUNT(DISTINCT ${col("BillingAccountId")})`,
  },
  count_resources: {
    label: "Resources",
    kind: "count",
    needs: ["ResourceId"],
    how: "distinct ResourceId",
    sql: (col) => `COUNT(DISTINCT ${col("ResourceId")})`,
  },
  count_services: {
    label: "Services",
    kind: "count",
    needs: ["ServiceName"],
    how: "distinct ServiceName",
    sql: (col) => `COUNT(DISTINCT ${col("ServiceName")})`,
  },
  count_regions: {
    label: "Regions",
    kind: "count",
    needs: ["RegionName"],
    how: "distinct RegionName",
    sql: (col) => `COUNT(DISTINCT ${col("RegionName")})`,
  },
  count_skus: {
    label: "SKUs",
    kind: "count",
    needs: ["SkuId"],
    how: "distinct SkuId",
    sql: (col) => `COUNT(DISTINCT ${col("SkuId")})`,
  },
  count_providers: {
    label: "Providers",
    kind: "count",
    needs: ["ProviderName"],
    how: "distinct ProviderName",
    sql: (col) => `COUNT(DISTINCT ${col("ProviderName")})`,
  },
} satisfies Record<string, MetricDef>;

/** The name of a measure of the layer. */
export type MetricId = keyof typeof METRICS;

/** Every measure name, for schemas and documentation. */
export const METRIC_IDS = Object.keys(METRICS) as [MetricId, ...MetricId[]];

/** One named filter. */
export interface ScopeDef {
  label: string;
  needs: FocusField[];
  sql: (col: (f: FocusField) => string) => string;
}

/** The named filters. */
export const SCOPES = {
  usage: {
    label: "usage charges only (ChargeCategory = 'Usage')",
    needs: ["ChargeCategory"],
    sql: (col) => USAGE(col),
  },
  corrections: {
    label: "corrections only (ChargeClass = 'Correction')",
    needs: ["ChargeClass"],
    sql: (col) => `${col("ChargeClass")} = 'Correction'`,
  },
  marketplace: {
    label: "marketplace charges (PublisherName differs from the provider and the invoice issuer)",
    needs: ["PublisherName", "ProviderName"],
    sql: (col) =>
      `${col("PublisherName")} IS NOT NULL AND ${col("PublisherName")} <> ${col("ProviderName")}` +
      ` AND ${col("PublisherName")} IS DISTINCT FROM ${col("InvoiceIssuerName")}`,
  },
  tagged: { label: "tagged charges only", needs: ["Tags"], sql: (col) => tagged(col) },
  untagged: { label: "untagged charges only", needs: ["Tags"], sql: (col) => `${col("Tags")} IS NULL` },
  unused_commitments: {
    label: "unused commitment (CommitmentDiscountStatus = 'Unused')",
    needs: ["CommitmentDiscountStatus"],
    sql: (col) => `${col("CommitmentDiscountStatus")} = 'Unused'`,
  },
  commitment_purchases: {
    label: "commitment purchases (ChargeCategory = 'Purchase' with a CommitmentDiscountId)",
    needs: ["ChargeCategory", "CommitmentDiscountId"],
    sql: (col) => `${col("ChargeCategory")} = 'Purchase' AND ${col("CommitmentDiscountId")} IS NOT NULL`,
  },
  no_tax_or_purchases: {
    label: "tax and purchases left out (they are expected, not anomalies)",
    needs: ["ChargeCategory"],
    sql: (col) => `${col("ChargeCategory")} NOT IN ('Tax', 'Purchase')`,
  },
  usage_based: {
    label: "recurring and one-time charges left out (ChargeFrequency)",
    needs: ["ChargeFrequency"],
    sql: (col) =>
      `${col("ChargeFrequency")} IS DISTINCT FROM 'Recurring' AND ${
        col("ChargeFrequency")
      } IS DISTINCT FROM 'One-Time'`,
  },
  recurring_commitment_charges: {
    label: "recurring commitment charges (Purchase, ChargeFrequency = 'Recurring', with a CommitmentDiscountId)",
    needs: ["ChargeCategory", "ChargeFrequency", "CommitmentDiscountId"],
    sql: (col) =>
      `${col("ChargeCategory")} = 'Purchase' AND ${col("ChargeFrequency")} = 'Recurring'` +
      ` AND ${col("CommitmentDiscountId")} IS NOT NULL`,
  },
} satisfies Record<string, ScopeDef>;

/** The name of a named filter. */
export type ScopeId = keyof typeof SCOPES;

/** Every named filter, for schemas and documentation. */
export const SCOPE_IDS = Object.keys(SCOPES) as [ScopeId, ...ScopeId[]];

/** Virtual dimensions: groupings computed from columns. */
export const VIRTUAL_DIMENSIONS = {
  "@tagged": {
    label: "tagging",
    needs: ["Tags"] as FocusField[],
    sql: (col: (f: FocusField) => string) => `CASE WHEN ${tagged(col)} THEN 'tagged' ELSE 'untagged' END`,
  },
};

/** Columns a list of measures and scopes needs that the dataset lacks (empty: all there). */
export function missingFor(
  resolve: ColumnResolver,
  basis: CostBasis,
  metrics: readonly MetricId[] = [],
  scopes: readonly ScopeId[] = [],
): FocusField[] {
  const need = new Set<FocusField>();
  for (const m of metrics) {
    const def: MetricDef = METRICS[m];
    def.needs.forEach((f) => need.add(f));
    if (def.usesBasis) need.add(BASIS_COLUMN[basis]);
  }
  for (const s of scopes) (SCOPES[s] as ScopeDef).needs.forEach((f) => need.add(f));
  return [...need].filter((f) => resolve(f) === null);
}

/**
 * A resolver that always answers: a missing column reads as SQL `NULL` (an optional column such
 * as `InvoiceIssuerName`); call {@link missingFor} first for the columns a measure needs.
 */
export function strictResolver(resolve: ColumnResolver): (f: FocusField) => string {
  return (f) => resolve(f) ?? "NULL";
}

/** The definition of a measure this dataset supports best: its variant when the columns are there. */
export function metricDefinition(id: MetricId, resolve: ColumnResolver): Omit<MetricDef, "variant"> {
  const def: MetricDef = METRICS[id];
  if (def.variant && def.variant.needs.every((f) => resolve(f) !== null)) return { ...def, ...def.variant };
  return def;
}

/** The SQL of one measure for a dataset and cost basis. */
export function metricSql(id: MetricId, resolve: ColumnResolver, basis: CostBasis): string {
  const col = strictResolver(resolve);
  return metricDefinition(id, resolve).sql(col, col(BASIS_COLUMN[basis]));
}

/** The SQL condition of one named filter. */
export function scopeSql(id: ScopeId, resolve: ColumnResolver): string {
  return (SCOPES[id] as ScopeDef).sql(strictResolver(resolve));
}
