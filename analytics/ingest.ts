/**
 * Ingest: turns a CSV, whole or as line-aligned slices, into a loaded, profiled dataset. The
 * slices are read straight into the canonical table (ingest_load.ts); the billing format and
 * data quality are measured on that table, never on a second copy of the file.
 * Storage in KV is the caller's job (memory/datasets.ts).
 * @module
 */
import { ValidationError } from "../errors.ts";
import { csvSlices } from "./csv_slices.ts";
import type { DatasetSource, Engine } from "./engine.ts";
import { tableNames } from "./engine.ts";
import { type CanonicalColumn, type DatasetMeta, INGEST_VERSION, type QualityReport } from "./dataset.ts";
import { loadCanonical, sourcePresent } from "./ingest_load.ts";
import { q } from "./sql.ts";
import { groupTagKeys, tagKeysSql } from "./tags.ts";

/** Dataset fields ingest produces (the caller adds storage fields). */
export type IngestedDataset = Omit<DatasetMeta, "chunks">;

const KEY_COLUMNS: CanonicalColumn[] = [
  "ChargePeriodStart",
  "BilledCost",
  "EffectiveCost",
  "ListCost",
  "ServiceName",
  "RegionName",
  "SubAccountName",
  "BillingCurrency",
  "ChargeCategory",
];

/** Rows whose distinct row hashes are counted in one pass (the hash table stays a few tens of MB). */
const DUPLICATE_PASS_ROWS = 250_000;

/**
 * Loads and profiles a dataset from its CSV, whole or as line-aligned slices ({@link csvSlices}:
 * the first starts with the header), detects the billing format and measures data quality. On
 * any failure the dataset is unloaded, so a rejected file leaves nothing behind.
 */
export async function ingestCsv(
  engine: Engine,
  datasetId: string,
  name: string,
  source: DatasetSource,
  opts: { maxRows?: number } = {},
): Promise<IngestedDataset> {
  try {
    const slices = source instanceof Uint8Array ? csvSlices([source]) : source;
    const loaded = await loadCanonical(engine, datasetId, name, slices);
    const { schema, checked, setupSql, bytes } = loaded;
    const { view } = tableNames(datasetId);
    const canonical = Object.keys(schema.mapping) as CanonicalColumn[];
    const has = (c: CanonicalColumn) => canonical.includes(c);

    const present = KEY_COLUMNS.filter(has);
    const nullSel = present.map((c) => `, COUNT(*) - COUNT(${q(c)}) AS ${q("null_" + c)}`).join("");
    // Unparsable: non-empty source text that the canonical expression turned into NULL. Such
    // rows stay out of sums and are counted here instead of silently becoming zero.
    const badSel = checked.map((c) =>
      `, COUNT(*) FILTER (WHERE ${q(c)} IS NULL AND ${q(sourcePresent(c))}) AS ${q("bad_" + c)}`
    ).join("");
    const prof = await engine.query(
      datasetId,
      `SELECT COUNT(*) AS rows, CAST(MIN("ChargePeriodStart") AS DATE) AS start, ` +
        `CAST(MAX("ChargePeriodStart") AS DATE) AS "end"${nullSel}${badSel} FROM ${q(view)}`,
    );
    await engine.setup(
      datasetId,
      checked.map((c) => `ALTER TABLE ${q(view)} DROP COLUMN ${q(sourcePresent(c))}`),
    );
    const duplicates = await duplicateRows(engine, datasetId, Number(prof.rows[0][0]));
    const row = Object.fromEntries(prof.columns.map((c, i) => [c.name, prof.rows[0][i]]));
    const rows = Number(row.rows);
    if (rows === 0) throw new ValidationError("The file has a header but no data rows.", 422);
    if (opts.maxRows && rows > opts.maxRows) {
      throw new ValidationError(`The file has ${rows} rows; at most ${opts.maxRows} are accepted.`, 422);
    }

    const nullCounts: Record<string, number> = {};
    const unparsable: Record<string, number> = {};
    for (const [k, v] of Object.entries(row)) {
      if (k.startsWith("null_")) nullCounts[k.slice(5)] = Number(v);
      if (k.startsWith("bad_")) unparsable[k.slice(4)] = Number(v);
    }

    let currencies: string[] = [];
    if (has("BillingCurrency")) {
      const cur = await engine.query(
        datasetId,
        `SELECT "BillingCurrency", COUNT(*) AS n FROM ${q(view)} WHERE "BillingCurrency" IS NOT NULL ` +
          `AND TRIM("BillingCurrency") <> '' GROUP BY 1 ORDER BY n DESC LIMIT 20`,
      );
      currencies = cur.rows.map((r) => String(r[0]).trim().toUpperCase());
      currencies = [...new Set(currencies)];
    }
    let tags: ReturnType<typeof groupTagKeys> = [];
    let untaggedCostPct: number | null = null;
    if (has("Tags")) {
      const keysRs = await engine.query(datasetId, tagKeysSql(view));
      tags = groupTagKeys(keysRs.rows.map((r) => ({ k: String(r[0]), n: Number(r[1]) })));
      const basis = has("EffectiveCost") ? "EffectiveCost" : "BilledCost";
      const share = await engine.query(
        datasetId,
        `SELECT SUM(${q(basis)}) FILTER (WHERE "Tags" IS NULL) * 100.0 / NULLIF(SUM(${q(basis)}), 0) FROM ${q(view)}`,
      );
      untaggedCostPct = share.rows[0][0] === null ? null : Math.round(Number(share.rows[0][0]) * 100) / 100;
    }
    const quality: QualityReport = {
      rows,
      nullCounts,
      unparsable,
      duplicateRows: duplicates,
      currencies,
      costBases: schema.bases,
      tagKeyVariantsMerged: tags.filter((t) => t.variants.length > 1).map((t) => ({
        key: t.key,
        variants: t.variants,
      })),
      untaggedCostPct,
    };
    return {
      id: datasetId,
      version: INGEST_VERSION,
      name,
      createdAt: new Date().toISOString(),
      bytes,
      rows,
      schema: { format: schema.format, label: schema.label, confidence: schema.confidence },
      columns: schema.columns,
      mapping: schema.mapping,
      canonical,
      dateRange: row.start && row.end ? { start: String(row.start), end: String(row.end) } : null,
      currencies,
      currency: currencies.length === 1 ? currencies[0] : null,
      bases: schema.bases,
      tags,
      quality,
      setupSql,
      preambleLines: loaded.dialect.skipRows + 1,
      choices: schema.choices,
      basisNotes: schema.basisNotes,
    };
  } catch (e) {
    await engine.unload(datasetId).catch(() => {});
    throw e;
  } finally {
    await engine.detach(datasetId).catch(() => {});
  }
}

/**
 * Rows that repeat an earlier row exactly (every value as read), counted by distinct row hashes
 * (rather than DISTINCT *, which keeps every row's values in a hash table) in passes over a
 * share of the hash range each, so the hash table stays a few tens of MB whatever the rows. No
 * hash is stored: a column of them cost 8 incompressible bytes a row while the file was read.
 * A 64-bit collision would under-count by one.
 */
async function duplicateRows(engine: Engine, datasetId: string, rows: number): Promise<number> {
  const { view } = tableNames(datasetId);
  const passes = Math.max(1, Math.ceil(rows / DUPLICATE_PASS_ROWS));
  const hashes = `(SELECT hash(row_values) AS h FROM ${q(view)} AS row_values)`;
  let duplicates = 0;
  for (let pass = 0; pass < passes; pass++) {
    const share = passes > 1 ? ` WHERE h % ${passes} = ${pass}` : "";
    const rs = await engine.query(datasetId, `SELECT COUNT(*) - COUNT(DISTINCT h) FROM ${hashes}${share}`);
    duplicates += Number(rs.rows[0][0]);
  }
  return duplicates;
}
