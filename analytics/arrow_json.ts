/**
 * Conversion of DuckDB-WASM Arrow results to JSON-safe rows, in one place.
 *
 * DuckDB returns BIGINT as `bigint`, HUGEINT and DECIMAL as 128-bit word arrays, DATE and
 * TIMESTAMP as epoch milliseconds. Clients want numbers and ISO strings.
 * @module
 */

/** A JSON-safe cell value. */
export type Cell = string | number | boolean | null;

/** A query result as the API returns it: column names and row arrays. */
export interface ResultSet {
  columns: { name: string; type: string }[];
  rows: Cell[][];
}

// deno-lint-ignore no-explicit-any
type ArrowField = { name: string; type: any };

/**
 * Converts a little-endian two's-complement integer held in 32-bit words to a number,
 * divided by 10^scale. Exact up to 2^53 in the integer part.
 *
 * @example
 * wordsToNumber(new Uint32Array([4200, 0, 0, 0]), 2) // → 42
 */
export function wordsToNumber(words: Uint32Array, scale: number): number {
  let v = 0n;
  for (let i = words.length - 1; i >= 0; i--) v = (v << 32n) | BigInt(words[i]);
  if (words.length > 0 && (words[words.length - 1] & 0x80000000) !== 0) {
    v -= 1n << BigInt(words.length * 32);
  }
  if (scale === 0) return Number(v);
  const div = 10n ** BigInt(scale);
  // Integer and fractional parts separately keep cents exact for large totals.
  return Number(v / div) + Number(v % div) / Number(div);
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, "0");
}

/**
 * Formats epoch milliseconds as an ISO date (`YYYY-MM-DD`) or, when a time part is
 * present, as `YYYY-MM-DD HH:MM:SS` in UTC.
 *
 * @example
 * isoFromMillis(1704067200000) // → "2024-01-01"
 */
export function isoFromMillis(ms: number, dateOnly = false): string {
  const d = new Date(ms);
  const day = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  if (dateOnly || ms % 86_400_000 === 0) return day;
  return `${day} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** Returns a converter for one Arrow field type. */
// deno-lint-ignore no-explicit-any
function converterFor(type: any): (v: unknown) => Cell {
  const t = String(type);
  if (t.startsWith("Decimal")) {
    const scale: number = type.scale ?? 0;
    return (v) => {
      if (v === null || v === undefined) return null;
      if (v instanceof Uint32Array) return wordsToNumber(v, scale);
      if (typeof v === "bigint") return scale ? Number(v) / 10 ** scale : Number(v);
      return Number(v);
    };
  }
  if (t.startsWith("Date")) {
    return (v) => (v === null || v === undefined ? null : isoFromMillis(Number(v), true));
  }
  if (t.startsWith("Timestamp")) {
    return (v) => (v === null || v === undefined ? null : isoFromMillis(Number(v)));
  }
  return (v) => {
    if (v === null || v === undefined) return null;
    if (typeof v === "bigint") return Number(v);
    if (v instanceof Uint32Array) return wordsToNumber(v, 0);
    if (typeof v === "number") return Number.isFinite(v) ? v : null;
    if (typeof v === "string" || typeof v === "boolean") return v;
    if (v instanceof Date) return isoFromMillis(v.getTime());
    // Lists, structs and maps: their JSON text is the honest rendering.
    try {
      return JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? Number(x) : x));
    } catch {
      return String(v);
    }
  };
}

/**
 * Converts an Arrow table (as returned by `conn.query`) to a JSON-safe {@link ResultSet}.
 */
// deno-lint-ignore no-explicit-any
export function arrowToResultSet(table: any): ResultSet {
  const fields: ArrowField[] = table.schema.fields;
  const convs = fields.map((f) => converterFor(f.type));
  const cols = fields.map((_f, i) => table.getChildAt(i));
  const rows: Cell[][] = [];
  for (let r = 0; r < table.numRows; r++) {
    const row: Cell[] = new Array(fields.length);
    for (let c = 0; c < fields.length; c++) row[c] = convs[c](cols[c]?.get(r));
    rows.push(row);
  }
  return {
    columns: fields.map((f) => ({ name: f.name, type: simpleType(String(f.type)) })),
    rows,
  };
}

/** Maps an Arrow type name to a short portable one: number, string, date, timestamp, boolean, other. */
export function simpleType(arrowType: string): string {
  if (/^(Int|Uint|Float|Decimal)/.test(arrowType)) return "number";
  if (/^(Utf8|LargeUtf8)/.test(arrowType)) return "string";
  if (arrowType.startsWith("Date")) return "date";
  if (arrowType.startsWith("Timestamp")) return "timestamp";
  if (arrowType.startsWith("Bool")) return "boolean";
  return "other";
}
