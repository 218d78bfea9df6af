/**
 * How CSV text is read: one definition for ingest (a view over the attached file, from which
 * the canonical table is built in one pass) and for the benchmark that runs the same read in
 * native DuckDB.
 *
 * ```ts
 * rawViewSql('"raw_1"', "/upload/raw_1.csv", 20_480)
 * // CREATE OR REPLACE VIEW "raw_1" AS SELECT * FROM read_csv('/upload/raw_1.csv', header=true, …)
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

/** The `read_csv(…)` call with our options (types from a sample of `sampleSize` rows; -1: all). */
export function readCsvSql(file: string, sampleSize: number = SNIFF_SAMPLE_ROWS): string {
  return `read_csv('${file.replaceAll("'", "''")}', ` +
    `header=true, sample_size=${sampleSize}, nullstr=['NULL','null','', 'None', 'N/A'], ` +
    // Dates stay text: the sniffer would guess day-first for "9/2/2023"; the canonical mapping
    // parses them with formats chosen per billing format instead.
    `auto_type_candidates=['BOOLEAN','BIGINT','DOUBLE','VARCHAR'], ` +
    `normalize_names=false, auto_detect=true)`;
}
