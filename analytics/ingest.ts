/**
 * Ingest: turns checked CSV bytes into a loaded, profiled dataset. Loads the raw table,
 * detects the billing format, creates the canonical view and measures data quality.
 * Storage in KV is the caller's job (memory/datasets.ts).
 * @module
 */
import { ValidationError } from "../errors.ts";
import type { Engine } from "./engine.ts";
import { tableNames } from "./engine.ts";
import { type CanonicalColumn, type DatasetMeta, INGEST_VERSION, type QualityReport } from "./dataset.ts";
import { canonicalViewSql, detectSchema, q, type RawColumn } from "./schema.ts";
import { groupTagKeys, tagKeysSql } from "./tags.ts";

const PARSED: CanonicalColumn[] = ["ChargePeriodStart", "BilledCost", "EffectiveCost", "ListCost", "PricingQuantity"];

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
 * Loads `csv` into the engine under `datasetId` and profiles it. On any failure the tables
 * are dropped again, so a rejected file leaves nothing behind.
 */
export async function ingestCsv(
  engine: Engine,
  datasetId: string,
  name: string,
  csv: Uint8Array,
  opts: { maxRows?: number } = {},
): Promise<IngestedDataset> {
  const bytes = csv.byteLength;
  const described = await engine.loadCsv(datasetId, csv);
  try {
    const raw: RawColumn[] = described.rows.map((r) => ({ name: String(r[0]), type: String(r[1]) }));
    const schema = detectSchema(raw);
    if (!schema) {
      throw new ValidationError(
        "No billing data recognised: the file needs a date column and a numeric cost column " +
          `(columns found: ${raw.slice(0, 12).map((c) => c.name).join(", ")}${raw.length > 12 ? ", …" : ""}).`,
        422,
      );
    }
    const { raw: rawTable, view } = tableNames(datasetId);
    const setupSql = [canonicalViewSql(view, rawTable, raw, schema.mapping), `DROP TABLE ${q(rawTable)}`];
    await engine.setup(datasetId, setupSql.slice(0, 1));
    const canonical = Object.keys(schema.mapping) as CanonicalColumn[];
    const has = (c: CanonicalColumn) => canonical.includes(c);

    const present = KEY_COLUMNS.filter(has);
    const nullSel = present.map((c) => `, COUNT(*) - COUNT(${q(c)}) AS ${q("null_" + c)}`).join("");
    const prof = await engine.query(
      datasetId,
      `SELECT COUNT(*) AS rows, CAST(MIN("ChargePeriodStart") AS DATE) AS start, ` +
        `CAST(MAX("ChargePeriodStart") AS DATE) AS "end"${nullSel} FROM ${q(view)}`,
    );
    // Unparsable: non-empty source text that the canonical expression turned into NULL. Such
    // rows stay out of sums and are counted here instead of silently becoming zero.
    // The canonical table was created from the raw one in order (DuckDB preserves insertion
    // order), so a positional join pairs each parsed value with its source text without
    // evaluating the parsing expressions a second time.
    const checked = (Object.entries(schema.sources) as [CanonicalColumn, string][])
      .filter(([c]) => PARSED.includes(c));
    if (checked.length) {
      const textual = new Set(raw.filter((r) => /CHAR|TEXT|STRING/i.test(r.type)).map((r) => r.name));
      // A typed (numeric) source is present when not NULL; only text can be blank.
      const present = (src: string) =>
        textual.has(src) ? `NULLIF(TRIM(r.${q(src)}), '') IS NOT NULL` : `r.${q(src)} IS NOT NULL`;
      const badSel = checked.map(([c, src]) =>
        `COUNT(*) FILTER (WHERE c.${q(c)} IS NULL AND ${present(src)}) AS ${q("bad_" + c)}`
      );
      const bad = await engine.query(
        datasetId,
        `SELECT ${badSel.join(", ")} FROM ${q(view)} AS c POSITIONAL JOIN ${q(rawTable)} AS r`,
      );
      bad.columns.forEach((c, i) => {
        prof.columns.push(c);
        prof.rows[0].push(bad.rows[0][i]);
      });
    }
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
    const dup = await engine.query(
      datasetId,
      // Distinct row hashes rather than DISTINCT * (which keeps every row's values in a hash
      // table: 5× slower on 1M rows). A 64-bit collision would under-count by one: negligible.
      `SELECT COUNT(*) - COUNT(DISTINCT hash(r)) AS d FROM ${q(rawTable)} AS r`,
    );

    await engine.setup(datasetId, setupSql.slice(1));

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
      duplicateRows: Number(dup.rows[0][0]),
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
    };
  } catch (e) {
    await engine.unload(datasetId).catch(() => {});
    throw e;
  }
}
