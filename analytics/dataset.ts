/**
 * The `Dataset` types: what we know about one uploaded billing file.
 * @module
 */

/** The canonical (FOCUS-named) columns the planner, analytics and charts speak. */
export const CANONICAL_COLUMNS = [
  "ChargePeriodStart",
  "BilledCost",
  "EffectiveCost",
  "ListCost",
  "ServiceName",
  "ServiceCategory",
  "RegionName",
  "SubAccountName",
  "ResourceId",
  "ChargeCategory",
  "ChargeDescription",
  "PricingQuantity",
  "BillingCurrency",
  "ProviderName",
  "SkuId",
  "Tags",
] as const;

/** One canonical column name. */
export type CanonicalColumn = typeof CANONICAL_COLUMNS[number];

/** Cost bases a dataset may offer. */
export type CostBasis = "billed" | "effective" | "list";

/** The canonical column holding each cost basis. */
export const BASIS_COLUMN: Record<CostBasis, CanonicalColumn> = {
  billed: "BilledCost",
  effective: "EffectiveCost",
  list: "ListCost",
};

/** A column of the uploaded file with its inferred type and the role we gave it. */
export interface DatasetColumn {
  name: string;
  type: string;
  /** Canonical column it feeds, or `dimension` / `measure` / `date` / `other`. */
  role: string;
}

/** Data quality figures shown with the upload and on the dataset endpoint. */
export interface QualityReport {
  rows: number;
  /** Empty values (including the text "NULL") per key canonical column. */
  nullCounts: Record<string, number>;
  /** Values present but not parsable as a number or date; kept out of sums and counted here. */
  unparsable: Record<string, number>;
  duplicateRows: number;
  currencies: string[];
  costBases: CostBasis[];
  /** Tag keys written in more than one way (`Team`, `team`, ` team`), merged into one key each. */
  tagKeyVariantsMerged: { key: string; variants: string[] }[];
  /** Percent of the default cost basis on rows without any tag (null when the data has no tags). */
  untaggedCostPct: number | null;
}

/** A tag key found in the data. */
export interface TagKeyInfo {
  key: string;
  variants: string[];
  rows: number;
}

/**
 * Version of the profile ingest writes. A stored dataset with an older version is profiled
 * again from its stored bytes when it is next opened, so upgrades need no migration step.
 */
// 3: setupSql builds the canonical table from a raw view over the file (was: a raw table).
// 4: setupSql reads one slice of the file into the canonical table (streamed loads).
export const INGEST_VERSION = 4;

/** The stored description of a dataset (everything but its bytes). */
export interface DatasetMeta {
  id: string;
  /** {@link INGEST_VERSION} that produced this record (absent: 1). */
  version?: number;
  /** Original file name, for display only (never used as a path). */
  name: string;
  createdAt: string;
  /** Uncompressed CSV size in bytes. */
  bytes: number;
  /** Number of gzip chunks in KV. */
  chunks: number;
  rows: number;
  schema: { format: string; label: string; confidence: number };
  columns: DatasetColumn[];
  /** Canonical column → SQL expression over the raw table it was derived from. */
  mapping: Partial<Record<CanonicalColumn, string>>;
  /** Canonical columns present in the view. */
  canonical: CanonicalColumn[];
  dateRange: { start: string; end: string } | null;
  currencies: string[];
  /** Default currency when the data names none (null: unknown). */
  currency: string | null;
  bases: CostBasis[];
  /** Tag keys (normalised), most used first. */
  tags: TagKeyInfo[];
  quality: QualityReport;
  /** Statements run for each slice of the stored CSV (attached as the dataset's file): they fill the canonical table. */
  setupSql: string[];
  /** Lines each later slice needs in front of it: title lines and the header (absent: 1). */
  preambleLines?: number;
  /** True for the bundled sample, shared by sessions and never deleted with one. */
  shared?: boolean;
  /** How each canonical column with several candidate columns was chosen (shown on the dataset endpoint). */
  choices?: { role: string; candidates: { column: string; filled: number | null }[]; chosen: string; why: string }[];
  /** What a basis means in this export when the name alone would mislead (GCP net cost, amortized exports). */
  basisNotes?: Partial<Record<CostBasis, string>>;
  /** The files the dataset was made of (several when parts or appends joined it). */
  files?: { name: string; rows: number; total?: number | null; periods: string[]; hash: string }[];
}
