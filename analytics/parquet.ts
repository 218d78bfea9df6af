/**
 * Parquet billing exports (AWS Data Exports FOCUS and CUR 2.0, Azure Cost Management FOCUS,
 * actual and amortized): read with `hyparquet` (pure JavaScript; DuckDB-WASM's parquet
 * extension cannot be downloaded here or in a sandboxed deployment) row group by row group, with
 * `hyparquet-compressors` for zstd, gzip, brotli and lz4 (snappy is built in), and written as the
 * CSV text the rest of the pipeline reads, so a Parquet upload is stored, profiled, reloaded and
 * answered exactly like its CSV twin. Nested values (a `Tags` map, a list of credits) become the
 * JSON text CSV exports carry; timestamps become `YYYY-MM-DD HH:MM:SS` in UTC.
 *
 * @example
 * isParquet(bytes) && (await parquetToCsv(bytes)) // → Uint8Array of "ChargePeriodStart,BilledCost,…\n…"
 * @module
 */
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { ValidationError } from "../errors.ts";
import { concatBytes } from "./bytes.ts";

const MAGIC = [0x50, 0x41, 0x52, 0x31]; // "PAR1"

/** True if `bytes` start as a Parquet file does (the magic number; the end is not known yet). */
export function isParquetStart(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 4 && MAGIC.every((b, i) => bytes[i] === b);
}

/** Whether bytes are a Parquet file ("PAR1" at both ends). */
export function isParquet(bytes: Uint8Array): boolean {
  if (bytes.byteLength < 12) return false;
  const tail = bytes.byteLength - 4;
  return MAGIC.every((b, i) => bytes[i] === b && bytes[tail + i] === b);
}

/** A value as CSV text: numbers and strings as they are, dates in UTC, nested values as JSON. */
export function csvValue(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (v instanceof Date) return v.toISOString().replace("T", " ").replace(/\.000Z$|Z$/, "");
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "";
  if (typeof v === "boolean") return v ? "true" : "false";
  const text = typeof v === "string" ? v : JSON.stringify(v, (_k, x) => jsonSafe(x));
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Maps and key/value lists (how Parquet writers store maps) as plain objects; bigints as numbers. */
function jsonSafe(x: unknown): unknown {
  if (x instanceof Map) return Object.fromEntries(x);
  if (typeof x === "bigint") return Number(x);
  if (x instanceof Date) return x.toISOString();
  if (Array.isArray(x) && x.length && x.every((e) => e && typeof e === "object" && "key" in e && "value" in e)) {
    return Object.fromEntries(x.map((e) => [String(e.key), e.value]));
  }
  return x;
}

/**
 * Converts a Parquet file to CSV bytes, one row group at a time (with `pace` awaited between
 * them, so a server lets other requests in). Throws a 422 for a file it cannot read.
 */
export async function parquetToCsv(
  bytes: Uint8Array,
  pace: () => Promise<void> = () => Promise.resolve(),
): Promise<Uint8Array> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let metadata;
  try {
    metadata = parquetMetadata(file);
  } catch {
    throw new ValidationError("The Parquet file could not be read (its footer is damaged or incomplete).", 422);
  }
  const columns = metadata.schema.filter((_e, i) => i > 0 && isTopLevel(metadata.schema, i)).map((e) => e.name);
  if (!columns.length) throw new ValidationError("The Parquet file has no columns.", 422);
  const parts: string[] = [columns.map(csvValue).join(",") + "\n"];
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [];
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file, compressors, rowStart, rowEnd, metadata, columns });
    } catch (e) {
      const what = e instanceof Error ? e.message.split("\n")[0].slice(0, 120) : "";
      throw new ValidationError(`The Parquet file could not be read (${what || "unsupported encoding"}).`, 422);
    }
    for (const row of rows) parts.push(columns.map((c) => csvValue(row[c])).join(",") + "\n");
    chunks.push(encoder.encode(parts.join("")));
    parts.length = 0;
    rowStart = rowEnd;
    await pace();
  }
  if (parts.length) chunks.push(encoder.encode(parts.join("")));
  return concatBytes(chunks);
}

/** Whether schema element `i` is a direct child of the root (nested groups count once, by their name). */
function isTopLevel(schema: { num_children?: number }[], i: number): boolean {
  // Walk the flattened tree: the root's children are read in order, skipping each one's subtree.
  let at = 1;
  const skip = (k: number): number => {
    let next = k + 1;
    for (let c = 0; c < (schema[k].num_children ?? 0); c++) next = skip(next);
    return next;
  };
  while (at < schema.length) {
    if (at === i) return true;
    at = skip(at);
  }
  return false;
}
