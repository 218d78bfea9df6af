/**
 * The statement that turns CSV text into a table: one definition for the engine worker and for
 * the benchmark that runs the same load in native DuckDB.
 *
 * ```ts
 * loadCsvSql('"raw_1"', "/upload/raw_1.csv", 20_480)
 * // CREATE OR REPLACE TABLE "raw_1" AS SELECT * FROM read_csv('/upload/raw_1.csv', header=true, …)
 * ```
 * @module
 */

/** Rows the CSV sniffer reads to choose column types (DuckDB's default sample). */
export const SNIFF_SAMPLE_ROWS = 20_480;

/** A load error that means the sampled types did not fit a later row (retry sniffing everything). */
export const SNIFF_MISS = /Could not convert|Conversion Error|CSV Error|sniff/i;

/** `CREATE TABLE … AS SELECT * FROM read_csv(…)` for a quoted table name and a file path. */
export function loadCsvSql(table: string, file: string, sampleSize: number = SNIFF_SAMPLE_ROWS): string {
  return `CREATE OR REPLACE TABLE ${table} AS SELECT * FROM read_csv('${file.replaceAll("'", "''")}', ` +
    `header=true, sample_size=${sampleSize}, nullstr=['NULL','null','', 'None', 'N/A'], ` +
    // Dates stay text: the sniffer would guess day-first for "9/2/2023"; the canonical mapping
    // parses them with formats chosen per billing format instead.
    `auto_type_candidates=['BOOLEAN','BIGINT','DOUBLE','VARCHAR'], ` +
    `normalize_names=false, auto_detect=true)`;
}
