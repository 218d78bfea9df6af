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
import { loadCanonical, sourcePresent, tooLargeForEngine } from "./ingest_load.ts";
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

/**
 * Rows whose distinct row hashes are counted in one pass at most: the hash table stays within
 * the heap the load left (1M rows: a pass of 1M grew the heap from 83 to 100 MB; 500k did not).
 */
const DUPLICATE_PASS_ROWS = 500_000;

/** Distinct charge times past which passes split the hash range instead (their counts would need a large table). */
const MAX_TIME_PARTS = 200_000;

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
  opts: {
    maxRows?: number;
    /** Rows whose distinct hashes one duplicate-count pass holds (default {@link DUPLICATE_PASS_ROWS}). */
    duplicatePassRows?: number;
  } = {},
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
    const duplicates = await duplicateRows(
      engine,
      datasetId,
      Number(prof.rows[0][0]),
      opts.duplicatePassRows ?? DUPLICATE_PASS_ROWS,
    );
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
    throw tooLargeForEngine(e, "checking the rows it had read");
  } finally {
    await engine.detach(datasetId).catch(() => {});
  }
}

/**
 * Rows that repeat an earlier row exactly (every value as read), counted by distinct row hashes
 * (rather than DISTINCT *, which keeps every row's values in a hash table), at most `passRows`
 * rows a pass. A 64-bit collision would under-count by one. No
 * hash is stored: a column of them cost 8 incompressible bytes a row while the file was read.
 *
 * Equal rows have equal charge times, so the passes take ranges of charge time: billing exports
 * come in time order, so each pass reads only its own row groups (zone maps) and the passes
 * together read the table about once (5M rows: passes over shares of the hash range read it
 * ten times, 2.6 s). A range with more rows than a pass takes (one busy charge time), and a
 * table with very many distinct times, are split over shares of the hash range.
 */
async function duplicateRows(engine: Engine, datasetId: string, rows: number, passRows: number): Promise<number> {
  const { view } = tableNames(datasetId);
  const parts = rows <= passRows ? [{ where: "TRUE", rows }] : await timeParts(engine, datasetId, rows, passRows);
  let duplicates = 0;
  for (const part of parts) {
    const hashes = `(SELECT hash(row_values) AS h FROM ${q(view)} AS row_values WHERE ${part.where})`;
    const shares = Math.ceil(part.rows / passRows);
    for (let share = 0; share < shares; share++) {
      const of = shares > 1 ? ` WHERE h % ${shares} = ${share}` : "";
      const rs = await engine.query(datasetId, `SELECT COUNT(*) - COUNT(DISTINCT h) FROM ${hashes}${of}`);
      duplicates += Number(rs.rows[0][0]);
    }
  }
  return duplicates;
}

/**
 * The table cut into ranges of charge time of about `passRows` rows each (more
 * when one time has more rows), the rows without a time last; the whole table as one part when
 * it has too many distinct times to count them cheaply.
 */
async function timeParts(
  engine: Engine,
  datasetId: string,
  rows: number,
  passRows: number,
): Promise<{ where: string; rows: number }[]> {
  const { view } = tableNames(datasetId);
  const time = q("ChargePeriodStart");
  const distinct = await engine.query(datasetId, `SELECT approx_count_distinct(${time}) FROM ${q(view)}`);
  if (Number(distinct.rows[0][0]) > MAX_TIME_PARTS) return [{ where: "TRUE", rows }];
  const rs = await engine.query(
    datasetId,
    `SELECT MIN(t), MAX(t), SUM(n) FROM (SELECT t, n, (SUM(n) OVER (ORDER BY t) - n) // ${passRows} AS part ` +
      `FROM (SELECT epoch_us(${time}) AS t, COUNT(*) AS n FROM ${q(view)} WHERE ${time} IS NOT NULL GROUP BY 1)) ` +
      `GROUP BY part ORDER BY part`,
  );
  const parts = rs.rows.map(([low, high, count]) => ({
    where: `${time} BETWEEN make_timestamp(${Number(low)}) AND make_timestamp(${Number(high)})`,
    rows: Number(count),
  }));
  const timed = parts.reduce((sum, part) => sum + part.rows, 0);
  return timed < rows ? [...parts, { where: `${time} IS NULL`, rows: rows - timed }] : parts;
}
