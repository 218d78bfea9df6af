/**
 * Billing format detection and the canonical (FOCUS-named) mapping.
 *
 * A format is recognised from its header; each format maps canonical columns to SQL
 * expressions over the raw table. Header names are compared in a normalised form (lower case,
 * letters and digits only), so `lineItem/UnblendedCost` (CUR legacy), `line_item_unblended_cost`
 * (CUR in Athena, CUR 2.0) and `costInBillingCurrency` (Azure MCA) / `CostInBillingCurrency`
 * (Azure EA) are found by one rule.
 *
 * @example
 * detectSchema([{ name: "BilledCost", type: "DOUBLE" }, { name: "ChargePeriodStart", type: "TIMESTAMP" }])
 * // → { format: "focus-1.0", label: "FOCUS 1.0", confidence: 0.9, mapping: {...}, ... }
 * @module
 */
import type { CanonicalColumn, CostBasis, DatasetColumn } from "./dataset.ts";
import { lit, q, type RawColumn } from "./sql.ts";
import { tagColumns, tagsFromColumns, tagsFromText } from "./tags.ts";

export type { RawColumn } from "./sql.ts";

/** The result of detection. */
export interface DetectedSchema {
  format: string;
  label: string;
  confidence: number;
  mapping: Partial<Record<CanonicalColumn, string>>;
  /** Canonical column → the one raw column it was read from (for unparsable counts). */
  sources: Partial<Record<CanonicalColumn, string>>;
  columns: DatasetColumn[];
  bases: CostBasis[];
  /** For each role with more than one candidate column present: the candidates and why one won. */
  choices: MappingChoice[];
  /** What a basis means in this export when it is not what the name says (GCP: net of credits). */
  basisNotes: Partial<Record<CostBasis, string>>;
}

/** How a canonical column was chosen among the file's candidate columns. */
export interface MappingChoice {
  role: CanonicalColumn;
  candidates: { column: string; filled: number | null }[];
  chosen: string;
  why: string;
}

/** Non-empty values per raw column in a sample of the file (null: not measured). */
export type FillCounts = Map<string, number>;

/** Normalises a header for matching: lower case, letters and digits only. */
export function normName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, "");
}

const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|REAL|DECIMAL)/i;
const TEMPORAL = /^(DATE|TIMESTAMP)/i;

/** SQL for a numeric value; text that does not parse becomes NULL (and is counted as unparsable). */
export function numExpr(col: RawColumn): string {
  if (NUMERIC.test(col.type)) return `CAST(${q(col.name)} AS DOUBLE)`;
  // "1,234.50" and "$1,234.50" (quoted numbers with thousands separators) are numbers; a
  // decimal comma ("1.234,50") is ambiguous and stays unparsable (counted in the quality report).
  const c = `TRIM(${q(col.name)})`;
  return `COALESCE(TRY_CAST(${c} AS DOUBLE), CASE WHEN regexp_matches(${c}, '^-?\\$?[0-9]{1,3}(,[0-9]{3})+(\\.[0-9]+)?$') ` +
    `THEN TRY_CAST(replace(replace(${c}, ',', ''), '$', '') AS DOUBLE) END)`;
}

/** Date formats tried, in order, on text dates (ISO first; US month-first as Azure writes it). */
const DATE_FORMATS = [
  "%Y-%m-%dT%H:%M",
  "%m/%d/%Y %H:%M:%S",
  "%m/%d/%Y %H:%M",
  "%m/%d/%Y",
  "%Y/%m/%d",
  "%d.%m.%Y",
];

/** SQL for a UTC timestamp from a date/time column of any common shape. */
export function tsExpr(col: RawColumn): string {
  if (/^TIMESTAMP WITH TIME ZONE|TIMESTAMPTZ/i.test(col.type)) return `CAST(${q(col.name)} AS TIMESTAMP)`;
  if (TEMPORAL.test(col.type)) return `CAST(${q(col.name)} AS TIMESTAMP)`;
  // A UTC designator is dropped (all billing times are UTC); other offsets are not guessed.
  const c = `regexp_replace(TRIM(${q(col.name)}), '(Z|[+-]00:?00| UTC)$', '')`;
  const tries = [`TRY_CAST(${c} AS TIMESTAMP)`, ...DATE_FORMATS.map((f) => `TRY_STRPTIME(${c}, ${lit(f)})`)];
  return `COALESCE(${tries.join(", ")})`;
}

/** SQL for text. */
export function strExpr(col: RawColumn): string {
  return /^VARCHAR/i.test(col.type) ? q(col.name) : `CAST(${q(col.name)} AS VARCHAR)`;
}

type Kind = "num" | "ts" | "str";
const KIND: Record<CanonicalColumn, Kind> = {
  ChargePeriodStart: "ts",
  BilledCost: "num",
  EffectiveCost: "num",
  ListCost: "num",
  ServiceName: "str",
  ServiceCategory: "str",
  RegionName: "str",
  SubAccountName: "str",
  ResourceId: "str",
  ChargeCategory: "str",
  ChargeDescription: "str",
  PricingQuantity: "num",
  BillingCurrency: "str",
  ProviderName: "str",
  SkuId: "str",
  Tags: "str",
};

/** A format: how to recognise it and where each canonical column comes from. */
interface FormatSpec {
  format: string;
  label: string;
  /** Normalised names that must all be present. */
  requires: string[];
  /** Normalised names whose presence raises confidence (and picks between look-alikes). */
  hints?: string[];
  /** Canonical column → candidate normalised source names, first present wins. */
  columns: Partial<Record<CanonicalColumn, string[]>>;
  /**
   * Canonical columns taken row by row from the first filled candidate (candidates that hold the
   * same kind of value: CUR region codes and zones, GCP region and location).
   */
  rowLevel?: CanonicalColumn[];
  /** Canonical columns computed from several sources; `col(n)` quotes a present source. */
  derived?: (find: (n: string) => RawColumn | undefined) => Partial<Record<CanonicalColumn, string>>;
  provider?: string;
  /** Base confidence when required columns are present. */
  base: number;
}

const FOCUS_COLUMNS: Partial<Record<CanonicalColumn, string[]>> = {
  ChargePeriodStart: ["chargeperiodstart"],
  BilledCost: ["billedcost"],
  EffectiveCost: ["effectivecost"],
  ListCost: ["listcost"],
  ServiceName: ["servicename"],
  ServiceCategory: ["servicecategory"],
  RegionName: ["regionname", "regionid"],
  SubAccountName: ["subaccountname", "subaccountid"],
  ResourceId: ["resourceid"],
  ChargeCategory: ["chargecategory"],
  ChargeDescription: ["chargedescription"],
  PricingQuantity: ["pricingquantity"],
  BillingCurrency: ["billingcurrency"],
  ProviderName: ["providername", "provider"],
  SkuId: ["skuid"],
};

/**
 * AWS line item types → FOCUS ChargeCategory. A savings plan negation nets out its covered
 * usage, so it stays Usage (as in AWS's own FOCUS export, where covered usage is billed at 0).
 */
const AWS_CHARGE_CATEGORY = (c: string) =>
  `CASE ${c} WHEN 'Tax' THEN 'Tax' ` +
  `WHEN 'RIFee' THEN 'Purchase' WHEN 'Fee' THEN 'Purchase' WHEN 'SavingsPlanRecurringFee' THEN 'Purchase' ` +
  `WHEN 'SavingsPlanUpfrontFee' THEN 'Purchase' ` +
  `WHEN 'Credit' THEN 'Credit' WHEN 'BundledDiscount' THEN 'Credit' ` +
  `WHEN 'EdpDiscount' THEN 'Credit' WHEN 'PrivateRateDiscount' THEN 'Credit' WHEN 'Discount' THEN 'Credit' ` +
  `WHEN 'Refund' THEN 'Adjustment' ELSE 'Usage' END`;

/** Azure exports (EA and MCA): provider, list cost from the pay-as-you-go price, charge categories. */
function azureDerived(find: (n: string) => RawColumn | undefined): Partial<Record<CanonicalColumn, string>> {
  const out: Partial<Record<CanonicalColumn, string>> = { ProviderName: "'Microsoft'" };
  const pay = find("paygprice");
  const qty = find("quantity");
  if (pay && qty) out.ListCost = `${numExpr(pay)} * ${numExpr(qty)}`;
  const ct = find("chargetype");
  if (ct) {
    out.ChargeCategory = `CASE lower(${q(ct.name)}) WHEN 'usage' THEN 'Usage' WHEN 'purchase' THEN 'Purchase' ` +
      `WHEN 'refund' THEN 'Adjustment' WHEN 'tax' THEN 'Tax' WHEN 'unusedreservation' THEN 'Usage' ` +
      `WHEN 'unusedsavingsplan' THEN 'Usage' ELSE ${q(ct.name)} END`;
  }
  return out;
}

function awsDerived(find: (n: string) => RawColumn | undefined): Partial<Record<CanonicalColumn, string>> {
  const out: Partial<Record<CanonicalColumn, string>> = {};
  const type = find("lineitemlineitemtype");
  const unblended = find("lineitemunblendedcost");
  if (type) out.ChargeCategory = AWS_CHARGE_CATEGORY(q(type.name));
  // Amortized (effective) cost as AWS Cost Explorer computes it, when the commitment columns exist.
  const spEff = find("savingsplansavingsplaneffectivecost");
  const riEff = find("reservationeffectivecost");
  const spTotal = find("savingsplantotalcommitmenttodate");
  const spUsed = find("savingsplanusedcommitment");
  const riUnusedUp = find("reservationunusedamortizedupfrontfeeforbillingperiod");
  const riUnusedRec = find("reservationunusedrecurringfee");
  if (type && unblended && (spEff || riEff)) {
    const n = (c: RawColumn | undefined) => (c ? `COALESCE(${numExpr(c)}, 0)` : "0");
    const t = q(type.name);
    out.EffectiveCost = `CASE ${t} ` +
      `WHEN 'SavingsPlanCoveredUsage' THEN ${n(spEff)} ` +
      `WHEN 'SavingsPlanRecurringFee' THEN ${n(spTotal)} - ${n(spUsed)} ` +
      `WHEN 'SavingsPlanNegation' THEN 0 WHEN 'SavingsPlanUpfrontFee' THEN 0 ` +
      `WHEN 'DiscountedUsage' THEN ${n(riEff)} ` +
      `WHEN 'RIFee' THEN ${n(riUnusedUp)} + ${n(riUnusedRec)} ` +
      `ELSE ${numExpr(unblended)} END`;
  }
  out.ProviderName = "'AWS'";
  return out;
}

const SPECS: FormatSpec[] = [
  {
    format: "focus",
    label: "FOCUS",
    requires: ["billedcost", "chargeperiodstart"],
    hints: ["effectivecost", "listcost", "servicename", "chargecategory", "billingcurrency"],
    columns: FOCUS_COLUMNS,
    base: 0.8,
  },
  {
    format: "aws-cur-2.0",
    label: "AWS CUR 2.0",
    requires: ["lineitemunblendedcost", "lineitemusagestartdate"],
    hints: ["lineitemusageaccountname", "resourcetags", "productservicecode"],
    columns: {
      ChargePeriodStart: ["lineitemusagestartdate"],
      BilledCost: ["lineitemunblendedcost"],
      ListCost: ["pricingpublicondemandcost"],
      ServiceName: ["productproductname", "productservicecode", "lineitemproductcode"],
      RegionName: ["productregioncode", "productregion", "lineitemavailabilityzone"],
      SubAccountName: ["lineitemusageaccountname", "lineitemusageaccountid"],
      ResourceId: ["lineitemresourceid"],
      ChargeDescription: ["lineitemlineitemdescription"],
      PricingQuantity: ["lineitemusageamount"],
      BillingCurrency: ["lineitemcurrencycode"],
      SkuId: ["productsku"],
    },
    derived: awsDerived,
    rowLevel: ["RegionName"],
    base: 0.7,
  },
  {
    format: "aws-cur",
    label: "AWS CUR (legacy)",
    requires: ["lineitemunblendedcost", "lineitemusagestartdate"],
    hints: ["productproductname", "lineitemusageaccountid", "productregion"],
    columns: {
      ChargePeriodStart: ["lineitemusagestartdate"],
      BilledCost: ["lineitemunblendedcost"],
      ListCost: ["pricingpublicondemandcost"],
      ServiceName: ["productproductname", "lineitemproductcode"],
      RegionName: ["productregion", "productregioncode", "lineitemavailabilityzone"],
      SubAccountName: ["lineitemusageaccountname", "lineitemusageaccountid"],
      ResourceId: ["lineitemresourceid"],
      ChargeDescription: ["lineitemlineitemdescription"],
      PricingQuantity: ["lineitemusageamount"],
      BillingCurrency: ["lineitemcurrencycode"],
      SkuId: ["productsku"],
    },
    derived: awsDerived,
    rowLevel: ["RegionName"],
    base: 0.75,
  },
  {
    // EA cost exports (actual or amortized) with Date / Cost / MeterCategory (finops-toolkit test exports).
    format: "azure-ea",
    label: "Azure cost export (EA)",
    requires: ["date", "cost", "metercategory"],
    hints: [
      "subscriptionname",
      "resourcelocation",
      "billingperiodstartdate",
      "accountname",
      "chargetype",
      "unitofmeasure",
    ],
    columns: {
      ChargePeriodStart: ["date"],
      BilledCost: ["cost"],
      ServiceName: ["metercategory", "consumedservice"],
      ServiceCategory: ["servicefamily"],
      RegionName: ["resourcelocation", "meterregion"],
      SubAccountName: ["subscriptionname", "subscriptionid", "subscriptionguid"],
      ResourceId: ["resourceid", "instanceid"],
      ChargeDescription: ["metername", "productname", "product"],
      PricingQuantity: ["quantity", "consumedquantity"],
      BillingCurrency: ["billingcurrency", "currency", "billingcurrencycode"],
      SkuId: ["meterid", "partnumber"],
    },
    derived: azureDerived,
    base: 0.78,
  },
  {
    format: "azure-mca",
    label: "Azure cost export (MCA)",
    requires: ["costinbillingcurrency", "date"],
    hints: ["billingprofileid", "invoicesectionname", "billingcurrency"],
    columns: {
      ChargePeriodStart: ["date"],
      BilledCost: ["costinbillingcurrency"],
      ServiceName: ["metercategory", "consumedservice", "servicename"],
      ServiceCategory: ["servicefamily"],
      RegionName: ["resourcelocation", "meterregion"],
      SubAccountName: ["subscriptionname", "subscriptionid"],
      ResourceId: ["resourceid"],
      ChargeCategory: ["chargetype"],
      ChargeDescription: ["metername", "productname"],
      PricingQuantity: ["quantity"],
      BillingCurrency: ["billingcurrency", "billingcurrencycode"],
      SkuId: ["meterid", "partnumber"],
    },
    derived: azureDerived,
    base: 0.7,
  },
  {
    format: "gcp",
    label: "Google Cloud billing export",
    requires: ["cost", "usagestarttime", "servicedescription"],
    hints: ["projectid", "locationregion", "currency", "skudescription"],
    columns: {
      ChargePeriodStart: ["usagestarttime"],
      BilledCost: ["cost"],
      ServiceName: ["servicedescription"],
      RegionName: ["locationregion", "locationlocation"],
      SubAccountName: ["projectname", "projectid"],
      ResourceId: ["resourcename", "resourceglobalname"],
      ChargeCategory: ["costtype"],
      ChargeDescription: ["skudescription"],
      PricingQuantity: ["usageamount", "usageamountinpricingunits"],
      BillingCurrency: ["currency"],
      SkuId: ["skuid"],
    },
    derived: (find) => {
      const out: Partial<Record<CanonicalColumn, string>> = { ProviderName: "'Google Cloud'" };
      const ct = find("costtype");
      if (ct) {
        out.ChargeCategory = `CASE lower(${q(ct.name)}) WHEN 'regular' THEN 'Usage' WHEN 'tax' THEN 'Tax' ` +
          `WHEN 'adjustment' THEN 'Adjustment' WHEN 'rounding_error' THEN 'Adjustment' ELSE ${q(ct.name)} END`;
      }
      const credits = find("creditsamount") ?? find("credits");
      const cost = find("cost");
      if (credits && cost && /^(DOUBLE|DECIMAL|BIGINT|INTEGER|FLOAT)/i.test(credits.type)) {
        out.EffectiveCost = `${numExpr(cost)} + COALESCE(${numExpr(credits)}, 0)`;
      } else if (credits && cost) {
        // The BigQuery export writes credits as a JSON list: [{"name": …, "amount": -1.2}, …].
        const amounts = `regexp_extract_all(${q(credits.name)}, '"amount"\\s*:\\s*(-?[0-9.eE+-]+)', 1)`;
        out.EffectiveCost = `${numExpr(cost)} + COALESCE(list_sum(list_transform(${amounts}, ` +
          `x -> TRY_CAST(x AS DOUBLE))), 0)`;
      }
      return out;
    },
    rowLevel: ["RegionName"],
    base: 0.8,
  },
  {
    format: "oci",
    label: "Oracle Cloud cost report",
    requires: ["costmycost", "lineitemintervalusagestart"],
    hints: ["productservice", "productregion", "costcurrencycode"],
    columns: {
      ChargePeriodStart: ["lineitemintervalusagestart"],
      BilledCost: ["costmycost"],
      ServiceName: ["productservice"],
      RegionName: ["productregion"],
      SubAccountName: ["productcompartmentname", "productcompartmentid"],
      ResourceId: ["productresourceid"],
      ChargeDescription: ["productdescription"],
      PricingQuantity: ["usagebilledquantity"],
      BillingCurrency: ["costcurrencycode"],
      SkuId: ["costproductsku"],
    },
    derived: () => ({ ProviderName: "'Oracle'", ChargeCategory: "'Usage'" }),
    base: 0.85,
  },
];

/** FOCUS version from the columns each release added. */
function focusVersion(names: Set<string>): string {
  if (names.has("allocatedmethodid") || names.has("contractapplied")) return "1.3";
  if (names.has("invoiceid") || names.has("pricingcurrency") || names.has("billingaccounttype")) return "1.2";
  if (names.has("servicesubcategory") || names.has("capacityreservationid")) return "1.1";
  return "1.0";
}

const DATE_NAME = /(date|time|day|period|month|timestamp)/i;
const COST_NAMES: [RegExp, number][] = [
  [/^(total_?)?cost$/i, 5],
  [/(billed|unblended|net|actual|effective|amortized)_?cost/i, 4],
  [/cost/i, 3],
  [/(spend|amount|charge)/i, 2],
  [/(price|total|usd|eur|value)/i, 1],
];
const DIMENSION_NAMES: [CanonicalColumn, RegExp][] = [
  ["ServiceName", /^(service|product|service_?name|product_?name|meter_?category)$/i],
  ["RegionName", /^(region|location|region_?name|zone)$/i],
  ["SubAccountName", /^(account|account_?name|subscription|project|sub_?account|account_?id|project_?id)$/i],
  ["ResourceId", /^(resource|resource_?id|instance|instance_?id)$/i],
  ["ChargeCategory", /^(charge_?(type|category)|category)$/i],
  ["BillingCurrency", /^(currency|currency_?code|billing_?currency)$/i],
  ["ProviderName", /^(provider|cloud|vendor)$/i],
  ["PricingQuantity", /^(quantity|usage_?(amount|quantity)|usage)$/i],
];

function roleColumns(raw: RawColumn[], mapping: Partial<Record<CanonicalColumn, string>>): DatasetColumn[] {
  return raw.map((c) => {
    const hit = (Object.entries(mapping) as [CanonicalColumn, string][]).find(([, expr]) => expr.includes(q(c.name)));
    const role = hit
      ? hit[0]
      : NUMERIC.test(c.type)
      ? "measure"
      : TEMPORAL.test(c.type)
      ? "date"
      : /^VARCHAR/i.test(c.type)
      ? "dimension"
      : "other";
    return { name: c.name, type: c.type, role };
  });
}

function exprFor(kind: Kind, col: RawColumn): string {
  return kind === "num" ? numExpr(col) : kind === "ts" ? tsExpr(col) : strExpr(col);
}

/**
 * The canonical `Tags` expression: one column per tag (CUR, OCI) merged into an object, or a
 * tags/labels text column normalised to a flat JSON object.
 */
export function tagsMapping(raw: RawColumn[]): string | null {
  const perTag = tagColumns(raw);
  if (perTag.length) return tagsFromColumns(perTag);
  const text = raw.find((c) => ["tags", "labels", "resourcetags", "tag"].includes(normName(c.name)));
  return text ? tagsFromText(text.name) : null;
}

/**
 * Detects the billing format of a file from its columns and builds the canonical mapping.
 * Returns `null` when no date column and cost-like numeric column can be found.
 */
export function detectSchema(
  raw: RawColumn[],
  opts: { filled?: FillCounts; fileName?: string } = {},
): DetectedSchema | null {
  const byNorm = new Map<string, RawColumn>();
  for (const c of raw) if (!byNorm.has(normName(c.name))) byNorm.set(normName(c.name), c);
  const names = new Set(byNorm.keys());
  const find = (n: string) => byNorm.get(n);

  let best: { spec: FormatSpec; score: number } | null = null;
  for (const spec of SPECS) {
    if (!spec.requires.every((r) => names.has(r))) continue;
    const hints = spec.hints ?? [];
    const hit = hints.filter((h) => names.has(h)).length;
    const score = spec.base + (hints.length ? (0.15 * hit) / hints.length : 0);
    if (!best || score > best.score) best = { spec, score };
  }

  if (best) {
    const { spec } = best;
    const mapping: Partial<Record<CanonicalColumn, string>> = {};
    const sources: Partial<Record<CanonicalColumn, string>> = {};
    const choices: MappingChoice[] = [];
    for (const [canon, cands] of Object.entries(spec.columns) as [CanonicalColumn, string[]][]) {
      const present = cands.map(find).filter((c): c is RawColumn => c !== undefined);
      const picked = chooseCandidate(canon, present, opts.filled, spec.rowLevel?.includes(canon) ?? false);
      if (!picked) continue;
      mapping[canon] = picked.expr;
      sources[canon] = picked.source.name;
      if (picked.choice) choices.push(picked.choice);
    }
    Object.assign(mapping, spec.derived?.(find) ?? {});
    const tags = tagsMapping(raw);
    if (tags) mapping.Tags = tags;
    let format = spec.format;
    let label = spec.label;
    if (spec.format === "focus") {
      const v = focusVersion(names);
      format = `focus-${v}`;
      label = `FOCUS ${v}`;
    }
    if (spec.format === "azure-mca" && /^[A-Z]/.test(find("date")!.name)) {
      // EA exports use PascalCase headers; MCA exports camelCase.
      format = "azure-ea";
      label = "Azure cost export (EA)";
    }
    for (const k of Object.keys(spec.derived?.(find) ?? {}) as CanonicalColumn[]) delete sources[k];
    const notes: Partial<Record<CostBasis, string>> = {};
    // An amortized export's cost is effective (amortized) cost, not what was billed.
    if (format.startsWith("azure") && /amorti[sz]ed/i.test(opts.fileName ?? "") && mapping.BilledCost) {
      mapping.EffectiveCost = mapping.BilledCost;
      delete mapping.BilledCost;
      sources.EffectiveCost = sources.BilledCost;
      delete sources.BilledCost;
      label += ", amortized";
      notes.effective = "the export's Cost column, amortized (the file is an amortized-cost export)";
    }
    if (spec.format === "gcp" && mapping.EffectiveCost) notes.effective = "net cost: cost plus credits (GCP)";
    return finish(format, label, Math.min(0.99, best.score), mapping, sources, raw, choices, notes);
  }
  return detectGeneric(raw, opts.filled);
}

/**
 * Picks the column for a canonical role among the candidates present, by content as well as
 * name: an empty candidate (no value in the sampled rows) loses to the next. Where the format
 * says so, the value is taken row by row from the first filled candidate (an availability zone
 * stands in for its region).
 */
function chooseCandidate(
  canon: CanonicalColumn,
  present: RawColumn[],
  filled: FillCounts | undefined,
  rowLevel: boolean,
): { expr: string; source: RawColumn; choice: MappingChoice | null } | null {
  if (!present.length) return null;
  const fill = (c: RawColumn) => filled?.get(c.name) ?? null;
  const source = present.find((c) => fill(c) === null || fill(c)! > 0) ?? present[0];
  const candidates = present.map((c) => ({ column: c.name, filled: fill(c) }));
  let expr = exprFor(KIND[canon], source);
  let why = source === present[0]
    ? "the first candidate by name, with values"
    : `${present[0].name} is empty in the sampled rows`;
  if (rowLevel && present.length > 1) {
    const parts = present.map((c) => {
      const v = `NULLIF(TRIM(${strExpr(c)}), '')`;
      return /zone/i.test(c.name) ? `regexp_replace(${v}, '[a-z]$', '')` : v;
    });
    expr = `COALESCE(${parts.join(", ")})`;
    why = `row by row, the first filled of ${present.map((c) => c.name).join(", ")}`;
  }
  return { expr, source, choice: present.length > 1 ? { role: canon, candidates, chosen: source.name, why } : null };
}

function detectGeneric(raw: RawColumn[], filled?: FillCounts): DetectedSchema | null {
  // A candidate column without values loses to the next.
  const usable = raw.filter((c) => !filled || (filled.get(c.name) ?? 1) > 0);
  const date = usable.find((c) => TEMPORAL.test(c.type) && DATE_NAME.test(c.name)) ??
    usable.find((c) => TEMPORAL.test(c.type)) ??
    usable.find((c) => /^VARCHAR/i.test(c.type) && DATE_NAME.test(c.name));
  const scored = usable
    .filter((c) => NUMERIC.test(c.type) || (/^VARCHAR/i.test(c.type) && /cost|amount|spend/i.test(c.name)))
    .map((c) => ({ c, s: COST_NAMES.find(([re]) => re.test(c.name))?.[1] ?? 0 }))
    .filter((x) => x.s > 0)
    .sort((a, b) => b.s - a.s);
  if (!date || scored.length === 0) return null;
  const cost = scored[0].c;
  const mapping: Partial<Record<CanonicalColumn, string>> = {
    ChargePeriodStart: tsExpr(date),
    BilledCost: numExpr(cost),
  };
  const sources: Partial<Record<CanonicalColumn, string>> = {
    ChargePeriodStart: date.name,
    BilledCost: cost.name,
  };
  for (const [canon, re] of DIMENSION_NAMES) {
    const c = usable.find((x) => x !== date && x !== cost && re.test(x.name));
    if (c && !mapping[canon]) {
      mapping[canon] = exprFor(KIND[canon], c);
      sources[canon] = c.name;
    }
  }
  const tags = tagsMapping(raw);
  if (tags) mapping.Tags = tags;
  const confidence = 0.5 + 0.1 * Math.min(3, Object.keys(mapping).length - 2);
  return finish("generic", "Generic cost CSV", confidence, mapping, sources, raw);
}

function finish(
  format: string,
  label: string,
  confidence: number,
  mapping: Partial<Record<CanonicalColumn, string>>,
  sources: Partial<Record<CanonicalColumn, string>>,
  raw: RawColumn[],
  choices: MappingChoice[] = [],
  basisNotes: Partial<Record<CostBasis, string>> = {},
): DetectedSchema {
  const bases: CostBasis[] = [];
  if (mapping.BilledCost) bases.push("billed");
  if (mapping.EffectiveCost) bases.push("effective");
  if (mapping.ListCost) bases.push("list");
  return {
    format,
    label,
    confidence: Math.round(confidence * 100) / 100,
    mapping,
    sources,
    columns: roleColumns(raw, mapping),
    bases,
    choices,
    basisNotes,
  };
}

/**
 * The select list of the canonical table over raw rows named {@link RAW_ROW}: the mapped
 * columns, then every raw column not named like one of them, then `extra` expressions.
 */
export function canonicalSelectSql(
  raw: RawColumn[],
  mapping: Partial<Record<CanonicalColumn, string>>,
  extra: string[] = [],
): string {
  const taken = new Set(Object.keys(mapping).map((c) => c.toLowerCase()));
  return [
    ...(Object.entries(mapping) as [string, string][]).map(([c, e]) => `${e} AS ${q(c)}`),
    ...raw.filter((c) => !taken.has(c.name.toLowerCase())).map((c) => q(c.name)),
    ...extra,
  ].join(", ");
}

/** The alias of the raw relation in {@link canonicalSelectSql}: `extra` expressions may use it. */
export const RAW_ROW = "__finops_raw";
