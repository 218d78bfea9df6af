/**
 * Ingest: turns an attached CSV into a loaded, profiled dataset. Detects the billing format,
 * builds the canonical table straight from the file and measures data quality.
 * Storage in KV is the caller's job (memory/datasets.ts).
 * @module
 */
import { EngineError, ValidationError } from "../errors.ts";
import { parseSniff, pinnedViewSql, SNIFF_MISS, SNIFF_SAMPLE_ROWS, sniffCsvSql } from "./csv_sql.ts";
import type { Engine } from "./engine.ts";
import { tableNames } from "./engine.ts";
import { type CanonicalColumn, type DatasetMeta, INGEST_VERSION, type QualityReport } from "./dataset.ts";
import { canonicalViewSql, detectSchema, RAW_ROW } from "./schema.ts";
import { q, type RawColumn } from "./sql.ts";
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

/** Helper columns computed while the canonical table is built, dropped before it is used. */
const ROW_HASH = "__finops_row_hash";
const sourcePresent = (c: CanonicalColumn) => `__finops_src_${c}`;

/**
 * Profiles a dataset whose CSV is attached in the engine ({@link Engine.attach}): reads it
 * through a raw view into the canonical table in one pass, detects the billing format and
 * measures data quality. Always detaches the file; on any failure the dataset is unloaded,
 * so a rejected file leaves nothing behind.
 */
export async function ingestCsv(
  engine: Engine,
  datasetId: string,
  name: string,
  bytes: number,
  opts: { maxRows?: number; headerFields?: number } = {},
): Promise<IngestedDataset> {
  try {
    let built: Built;
    try {
      built = await build(engine, datasetId, SNIFF_SAMPLE_ROWS, opts.headerFields, name);
    } catch (e) {
      // Types come from a sample; a later value that does not fit fails the read (rather than
      // becoming NULL) and the whole file is sniffed instead.
      if (!(e instanceof EngineError && e.status === 422 && SNIFF_MISS.test(e.message))) throw unreadable(e);
      built = await build(engine, datasetId, -1, opts.headerFields, name).catch((again) => {
        throw unreadable(again);
      });
    }
    const { schema, setupSql, checked } = built;
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
        `CAST(MAX("ChargePeriodStart") AS DATE) AS "end"${nullSel}${badSel}, ` +
        // Distinct row hashes rather than DISTINCT * (which keeps every row's values in a hash
        // table). A 64-bit collision would under-count by one: negligible.
        `COUNT(*) - COUNT(DISTINCT ${q(ROW_HASH)}) AS duplicates FROM ${q(view)}`,
    );
    await engine.setup(
      datasetId,
      [ROW_HASH, ...checked.map(sourcePresent)].map((c) => `ALTER TABLE ${q(view)} DROP COLUMN ${q(c)}`),
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
      duplicateRows: Number(row.duplicates),
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

/** Columns whose fill is measured at most (a wider file is chosen by name alone). */
const MAX_FILL_COLUMNS = 300;

/**
 * Non-empty values per column in the file's first rows (a sample; the read stops early), so a
 * candidate column that exists but is empty loses to the next (GCP's location.region).
 */
async function fillCounts(engine: Engine, datasetId: string, raw: RawColumn[]): Promise<Map<string, number>> {
  if (!raw.length || raw.length > MAX_FILL_COLUMNS) return new Map();
  const { raw: rawView } = tableNames(datasetId);
  const counts = raw.map((c) => `count(NULLIF(TRIM(CAST(${q(c.name)} AS VARCHAR)), ''))`);
  const rs = await engine.query(
    datasetId,
    `SELECT ${counts.join(", ")} FROM (SELECT * FROM ${q(rawView)} LIMIT ${SNIFF_SAMPLE_ROWS})`,
  );
  return new Map(raw.map((c, i) => [c.name, Number(rs.rows[0][i])]));
}

/**
 * A row with more fields than the header: which column a value belongs to is a guess, so the
 * file is refused with the first such line (DuckDB would have named the extra fields
 * `column12`, …).
 */
async function tooManyFields(
  engine: Engine,
  datasetId: string,
  dialect: { columns: { name: string }[]; skipRows: number },
  headerFields: number,
): Promise<ValidationError> {
  const { raw } = tableNames(datasetId);
  const extra = dialect.columns.slice(headerFields).map((c) => q(c.name));
  const rs = await engine.query(
    datasetId,
    `SELECT n, ${extra.map((c) => `(${c} IS NOT NULL)::INT`).join(" + ")} AS more FROM ` +
      `(SELECT row_number() OVER () AS n, * FROM ${q(raw)}) WHERE ${
        extra.map((c) => `${c} IS NOT NULL`).join(" OR ")
      } LIMIT 1`,
  );
  const [n, more] = rs.rows[0] ?? [null, 1];
  const line = n === null ? "a line" : `line ${Number(n) + 1 + dialect.skipRows}`;
  return new ValidationError(
    `${line[0].toUpperCase()}${line.slice(1)} has ${headerFields + Number(more)} fields, the header ${headerFields}: ` +
      "which column each value belongs to is ambiguous. Fix that line (a delimiter inside an unquoted value?) and upload again.",
    422,
  );
}

/** A read failure in plain words: what is wrong with the file, never an engine message or a path. */
function unreadable(e: unknown): unknown {
  if (!(e instanceof EngineError)) return e;
  const m = e.message;
  const expected = m.match(/Expected Number of Columns:\s*(\d+)\s*Found:\s*(\d+)/i);
  const line = m.match(/\b[Ll]ine:?\s*(\d+)/);
  if (expected) {
    return new ValidationError(
      `${line ? `Line ${line[1]}` : "A line"} has ${expected[2]} fields, the header ${
        expected[1]
      }. Fix that line and upload again.`,
      422,
    );
  }
  if (/sniff|CSV Error|Could not convert|Conversion Error/i.test(m)) {
    return new ValidationError(
      "The file could not be read as a CSV table: check that every line uses the same delimiter and that quotes " +
        "are balanced (a value with a comma must be in double quotes).",
      422,
    );
  }
  // Whatever else DuckDB said, a path of ours never reaches the client.
  return e.message.includes("/upload/")
    ? new EngineError(e.message.replace(/"?\/upload\/[^\s"]*"?/g, "the file"), e.status as 422)
    : e;
}

interface Built {
  schema: NonNullable<ReturnType<typeof detectSchema>>;
  setupSql: string[];
  /** Canonical columns parsed from a source column (checked for unparsable values). */
  checked: CanonicalColumn[];
}

/**
 * Sniffs the file once (types from `sampleSize` rows), creates the raw view with what was found
 * pinned, detects the format and builds the canonical table with the helper columns the
 * quality checks read.
 */
async function build(
  engine: Engine,
  datasetId: string,
  sampleSize: number,
  headerFields?: number,
  fileName?: string,
): Promise<Built> {
  const { raw: rawView, view, file } = tableNames(datasetId);
  let dialect = parseSniff((await engine.query(datasetId, sniffCsvSql(file, sampleSize))).rows[0]);
  // Not as many columns as the header has fields: rows that leave out trailing empty fields (or
  // carry extra ones) made the sniffer misread the file; read again with short rows padded.
  // (The header's field count is taken at commas, so only a comma file is compared with it.)
  const fields = headerFields ?? 0;
  if (
    fields > 1 && (dialect.columns.length === 1 || (dialect.delimiter === "," && dialect.columns.length !== fields))
  ) {
    const padded = parseSniff((await engine.query(datasetId, sniffCsvSql(file, sampleSize, true))).rows[0]);
    dialect = { ...padded, nullPadding: true };
  }
  const viewSql = pinnedViewSql(q(rawView), file, dialect);
  await engine.setup(datasetId, [viewSql]);
  if (headerFields !== undefined && dialect.delimiter === "," && dialect.columns.length > headerFields) {
    throw await tooManyFields(engine, datasetId, dialect, headerFields);
  }
  const raw: RawColumn[] = dialect.columns;
  const schema = detectSchema(raw, { filled: await fillCounts(engine, datasetId, raw), fileName });
  if (!schema) {
    throw new ValidationError(
      "No billing data recognised: the file needs a date column and a numeric cost column " +
        `(columns found: ${raw.slice(0, 12).map((c) => c.name).join(", ")}${raw.length > 12 ? ", …" : ""}).`,
      422,
    );
  }
  const sources = (Object.entries(schema.sources) as [CanonicalColumn, string][]).filter(([c]) => PARSED.includes(c));
  const textual = new Set(raw.filter((r) => /CHAR|TEXT|STRING/i.test(r.type)).map((r) => r.name));
  // A typed (numeric) source is present when not NULL; only text can be blank.
  const present = (src: string) =>
    textual.has(src) ? `NULLIF(TRIM(${RAW_ROW}.${q(src)}), '') IS NOT NULL` : `${RAW_ROW}.${q(src)} IS NOT NULL`;
  const helpers = [
    `hash(${RAW_ROW}) AS ${q(ROW_HASH)}`,
    ...sources.map(([c, src]) => `${present(src)} AS ${q(sourcePresent(c))}`),
  ];
  await engine.setup(datasetId, [canonicalViewSql(view, rawView, raw, schema.mapping, helpers)]);
  return {
    schema,
    setupSql: [viewSql, canonicalViewSql(view, rawView, raw, schema.mapping)],
    checked: sources.map(([c]) => c),
  };
}
