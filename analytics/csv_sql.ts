/**
 * How CSV text is read: one definition for ingest (the file sniffed once, then a view over it
 * with the dialect and column types pinned, from which the canonical table is built in one
 * pass) and for the benchmark that runs the same read in native DuckDB.
 *
 * ```ts
 * rawViewSql('"raw_1"', "/upload/raw_1.csv", 20_480)
 * // CREATE OR REPLACE VIEW "raw_1" AS SELECT * FROM read_csv('/upload/raw_1.csv', header=true, …)
 * pinnedViewSql('"raw_1"', "/upload/raw_1.csv", dialect)
 * // CREATE OR REPLACE VIEW "raw_1" AS SELECT * FROM read_csv('/upload/raw_1.csv', auto_detect=false, …)
 * ```
 * @module
 */

/** Rows the CSV sniffer reads to choose column types (DuckDB's default sample). */
export const SNIFF_SAMPLE_ROWS = 20_480;

/** A load error that means the sampled types did not fit a later row (retry sniffing everything). */
export const SNIFF_MISS = /Could not convert|Conversion Error|CSV Error|sniff/i;

/** `CREATE OR REPLACE VIEW … AS SELECT * FROM read_csv(…)` for a quoted view name and a file path. */
export function rawViewSql(view: string, file: string, sampleSize: number = SNIFF_SAMPLE_ROWS): string {
  return `CREATE OR REPLACE VIEW ${view} AS SELECT * FROM ${readCsvSql(file, sampleSize)}`;
}

const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** Bytes of DuckDB's read buffer: its default (32 MB) grew the engine's heap by 64 MB for a sniff. */
const READ_BUFFER = 4 << 20;

const NULLS = "nullstr=['NULL','null','', 'None', 'N/A']";
// Dates stay text: the sniffer would guess day-first for "9/2/2023"; the canonical mapping
// parses them with formats chosen per billing format instead.
const SNIFF_OPTIONS =
  `header=true, ${NULLS}, buffer_size=${READ_BUFFER}, auto_type_candidates=['BOOLEAN','BIGINT','DOUBLE','VARCHAR'], ` +
  `normalize_names=false`;

/** The `read_csv(…)` call with our options (types from a sample of `sampleSize` rows; -1: all). */
export function readCsvSql(file: string, sampleSize: number = SNIFF_SAMPLE_ROWS): string {
  return `read_csv(${lit(file)}, sample_size=${sampleSize}, ${SNIFF_OPTIONS}, auto_detect=true)`;
}

/** What DuckDB's sniffer found in a CSV: its dialect and its columns with their types. */
export interface CsvDialect {
  delimiter: string;
  quote: string;
  escape: string;
  /** As DuckDB spells it: `\n`, `\r\n` or `\r`. */
  newLine: string;
  comment: string;
  skipRows: number;
  columns: { name: string; type: string }[];
  /**
   * Rows may leave out trailing fields (read as NULL). Used only when the file needs it: the
   * sniffer is more permissive with it, so a normal file is sniffed without.
   */
  nullPadding?: boolean;
}

/**
 * The query that sniffs a file with our options (one row: `Delimiter`, `Quote`, `Escape`,
 * `NewLineDelimiter`, `Comment`, `SkipRows`, `Columns`), for {@link parseSniff}.
 */
export function sniffCsvSql(file: string, sampleSize: number = SNIFF_SAMPLE_ROWS, nullPadding = false): string {
  return `SELECT Delimiter, Quote, Escape, NewLineDelimiter, Comment, SkipRows, Columns ` +
    `FROM sniff_csv(${lit(file)}, sample_size=${sampleSize}, ${SNIFF_OPTIONS}${
      nullPadding ? ", null_padding=true" : ""
    })`;
}

const TYPES = /^(BOOLEAN|BIGINT|DOUBLE|VARCHAR)$/;

/** Reads {@link sniffCsvSql}'s row (a type outside our candidates is read as text). */
export function parseSniff(row: unknown[]): CsvDialect {
  // DuckDB reports an unset quote, escape or comment as "(empty)".
  const opt = (v: unknown) => (v === "(empty)" || v === null ? "" : String(v));
  const columns = (JSON.parse(String(row[6])) as { name: unknown; type: unknown }[]).map((c) => ({
    name: String(c.name),
    type: TYPES.test(String(c.type)) ? String(c.type) : "VARCHAR",
  }));
  return {
    delimiter: String(row[0]),
    quote: opt(row[1]),
    escape: opt(row[2]),
    newLine: String(row[3]),
    comment: opt(row[4]),
    skipRows: Math.max(0, Math.trunc(Number(row[5]) || 0)),
    columns,
  };
}

/**
 * `CREATE OR REPLACE VIEW … AS SELECT * FROM read_csv(…)` with everything the sniffer found
 * written out (`auto_detect=false`): binding it, describing it and reading it never sniff
 * again (each sniff cost ≈ 0.3 s, three times per upload), and a reload from KV reads the
 * same types as the first load. Every value from the file is a quoted literal.
 */
export function pinnedViewSql(view: string, file: string, d: CsvDialect): string {
  return `CREATE OR REPLACE VIEW ${view} AS SELECT * FROM ${readPinnedSql(file, d)}`;
}

/** The `read_csv(…)` call with everything the sniffer found written out (see {@link pinnedViewSql}). */
export function readPinnedSql(file: string, d: CsvDialect): string {
  const columns = d.columns.map((c) => `${lit(c.name)}: ${lit(c.type)}`).join(", ");
  return `read_csv(${lit(file)}, auto_detect=false, header=true, ` +
    `delim=${lit(d.delimiter)}, quote=${lit(d.quote)}, escape=${lit(d.escape)}, new_line=${lit(d.newLine)}, ` +
    `comment=${lit(d.comment)}, skip=${d.skipRows}, columns={${columns}}, ${NULLS}, normalize_names=false, ` +
    `buffer_size=${READ_BUFFER}` +
    `${d.nullPadding ? ", null_padding=true" : ""})`;
}
