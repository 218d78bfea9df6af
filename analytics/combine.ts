/**
 * Several files, one dataset: parts of an export joined under one header, and a new upload
 * appended to the data already there. A billing period already in the dataset is replaced by
 * the upload that brings it again, so re-sending a month never counts it twice. A period is
 * recognised by the export's billing period column together with its provider and billing
 * account columns where the file has them (FOCUS `BillingPeriodStart`, `ProviderName`,
 * `BillingAccountId`; CUR `bill/BillingPeriodStartDate`, `bill/PayerAccountId`; Azure
 * `BillingPeriodStartDate`, `BillingAccountId`/`BillingProfileId`).
 *
 * Rows are read with a small quote-aware scanner over the bytes (comma-separated, as the
 * exports that come in parts are), so only the key fields of each row become strings.
 * @module
 */
import { ValidationError } from "../errors.ts";
import { parseHeader } from "./csv_input.ts";
import { normName } from "./schema.ts";
import { concatBytes } from "./bytes.ts";
import { leadingLines } from "./csv_slices.ts";

/** One file of a dataset. */
export interface DatasetFile {
  name: string;
  rows: number;
  /** Sum of its cost column (the one the dataset's main basis reads), as the file writes it. */
  total?: number | null;
  /** Billing periods (with provider and account) it brought; empty when the file has no period column. */
  periods: string[];
  /** SHA-256 of its bytes as received (before the checks rewrite them), so the same file sent again is recognised. */
  hash: string;
}

const PERIOD_COLUMNS = [
  ["billingperiodstart", "billbillingperiodstartdate", "billingperiodstartdate"],
  ["providername"],
  ["billingaccountid", "billpayeraccountid", "billingprofileid"],
];

/** Where a CSV's header ends (the first line break outside quotes), and its names. */
export function headerOf(bytes: Uint8Array): { names: string[]; end: number } {
  const header = leadingLines(bytes, 1);
  return { names: parseHeader(new TextDecoder().decode(header).replace(/\r?\n$/, "")), end: header.byteLength };
}

/** Indexes of the period key columns in a header (empty: no billing period column). */
export function periodKeyColumns(names: string[]): number[] {
  const norm = names.map(normName);
  const first = PERIOD_COLUMNS[0].map((n) => norm.indexOf(n)).find((i) => i >= 0);
  if (first === undefined) return [];
  const rest = PERIOD_COLUMNS.slice(1).map((group) => group.map((n) => norm.indexOf(n)).find((i) => i >= 0))
    .filter((i): i is number => i !== undefined);
  return [first, ...rest];
}

/** Bytes scanned between two calls of the caller's pace function. */
const SCAN_STEP = 4 << 20;

/** A pace function that never waits (pure callers and tests). */
const noPace = () => Promise.resolve();

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Calls `row` for each data row with its byte range and the values of the fields at `keys`
 * (quotes removed), in order. `pace` is awaited every 4 MiB, so a server lets other requests in
 * while a large file is scanned. Past the last wanted field, a row is crossed by searching for
 * its line feed and its quotes (native `indexOf`) instead of byte by byte: a summary reads two or
 * three fields of rows that may have hundreds.
 */
export async function scanRows(
  bytes: Uint8Array,
  from: number,
  keys: number[],
  row: (start: number, end: number, key: string[]) => void,
  pace: () => Promise<void> = noPace,
): Promise<void> {
  // Field number → its place in `key` (-1: not wanted): an array lookup per field, not a Map's.
  const want = new Int32Array(Math.max(0, ...keys) + 1).fill(-1);
  keys.forEach((k, i) => want[k] = i);
  const last = want.length - 1;
  const decoder = new TextDecoder();
  const end = bytes.byteLength;
  const skip = new RowSkipper(bytes);
  let start = from;
  let field = 0;
  let fieldStart = from;
  let quoted = false;
  let sawQuote = false;
  let key: string[] = keys.map(() => "");
  const endField = (i: number) => {
    const at = field <= last ? want[field] : -1;
    if (at < 0) return;
    const text = decoder.decode(bytes.subarray(fieldStart, i));
    key[at] = sawQuote ? text.replace(/^"|"$/g, "").replace(/""/g, '"') : text;
  };
  const endRow = (lf: number) => {
    if (lf > start) row(start, lf + 1, key);
    start = lf + 1;
    field = 0;
    fieldStart = start;
    sawQuote = false;
    key = keys.map(() => "");
  };
  let paceAt = from + SCAN_STEP;
  for (let i = from; i < end; i++) {
    if (i >= paceAt) {
      await pace();
      paceAt += SCAN_STEP;
    }
    const b = bytes[i];
    if (b === QUOTE) {
      quoted = !quoted;
      sawQuote = true;
    } else if (!quoted && b === COMMA) {
      endField(i);
      field++;
      fieldStart = i + 1;
      sawQuote = false;
      if (field > last) {
        // Every wanted field is read: on to this row's line feed (or the end of the bytes).
        const lf = skip.rowEnd(i + 1);
        if (lf < 0) {
          i = end;
          break;
        }
        i = lf;
        endRow(lf);
      }
    } else if (!quoted && b === LF) {
      endField(i > fieldStart && bytes[i - 1] === CR ? i - 1 : i);
      endRow(i);
    }
  }
  if (start < end) {
    endField(end);
    row(start, end, key);
  }
}

/** Finds where rows end by searching for line feeds and quotes, remembering the next quote. */
class RowSkipper {
  #bytes: Uint8Array;
  #nextQuote: number;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#nextQuote = bytes.indexOf(QUOTE);
  }

  /** The first quote at or after `i` (-1: none); searched again only once `i` has passed it. */
  #quoteFrom(i: number): number {
    if (this.#nextQuote >= 0 && this.#nextQuote < i) this.#nextQuote = this.#bytes.indexOf(QUOTE, i);
    return this.#nextQuote;
  }

  /**
   * The line feed that ends the row, searching from `i` (outside quotes); -1 when the row runs to
   * the end of the bytes (no line feed, or a quote that never closes).
   */
  rowEnd(i: number): number {
    for (;;) {
      const lf = this.#bytes.indexOf(LF, i);
      const open = this.#quoteFrom(i);
      if (open < 0 || (lf >= 0 && lf < open)) return lf;
      const close = this.#quoteFrom(open + 1);
      if (close < 0) return -1;
      i = close + 1;
    }
  }
}

/** What one pass over a CSV finds: its rows, the billing periods they belong to, and the sum of a cost column. */
export interface FileSummary {
  rows: number;
  periods: Set<string>;
  /** Sum of `costColumn` read as numbers ("1,234.50" and "$2,000" too); null without that column. */
  total: number | null;
}

/** Rows, billing periods and the total of `costColumn` of a CSV, in one paced pass. */
export async function summarizeCsv(
  bytes: Uint8Array,
  costColumn: string | null,
  pace: () => Promise<void> = noPace,
): Promise<FileSummary> {
  const summary = new CsvSummarizer(() => costColumn);
  await summary.add(bytes, pace);
  return summary.result;
}

/**
 * {@link summarizeCsv} fed slice by slice (line-aligned, the first with the header), so a
 * streamed upload is summarised as it passes. `costColumnOf` picks the cost column from the
 * header's names.
 */
export class CsvSummarizer {
  #costColumnOf: (names: string[]) => string | null;
  #keys: number[] | null = null;
  #periodKeys = 0;
  #costAt = -1;
  #rows = 0;
  #sum = 0;
  #periods = new Set<string>();

  constructor(costColumnOf: (names: string[]) => string | null) {
    this.#costColumnOf = costColumnOf;
  }

  /** Reads one more slice. */
  async add(slice: Uint8Array, pace: () => Promise<void> = noPace): Promise<void> {
    let from = 0;
    if (!this.#keys) {
      const { names, end } = headerOf(slice);
      const periodKeys = periodKeyColumns(names);
      const cost = this.#costColumnOf(names);
      this.#costAt = cost === null ? -1 : names.indexOf(cost);
      this.#periodKeys = periodKeys.length;
      this.#keys = this.#costAt >= 0 ? [...periodKeys, this.#costAt] : periodKeys;
      from = end;
    }
    const keys = this.#keys;
    await scanRows(slice, from, keys, (_s, _e, key) => {
      this.#rows++;
      if (this.#periodKeys && key[0]) this.#periods.add(periodLabel(key.slice(0, this.#periodKeys)));
      if (this.#costAt >= 0) {
        this.#sum += costValue(key[keys.length - 1]);
      }
    }, pace);
  }

  /** Data rows read so far. */
  get rows(): number {
    return this.#rows;
  }

  /** What the slices read so far add up to. */
  get result(): FileSummary {
    return {
      rows: this.#rows,
      periods: this.#periods,
      total: this.#costAt >= 0 ? Math.round(this.#sum * 1e6) / 1e6 : null,
    };
  }
}

/**
 * A cost as a number ("1,234.50" and "$2,000" too), 0 when it is not one. A plain number is read
 * without the rewrites, which give it the same value.
 */
function costValue(text: string): number {
  const plain = Number(text);
  if (Number.isFinite(plain)) return plain;
  const n = Number(text.trim().replace(/^(-?)\$/, "$1").replace(/,(?=\d{3}(\D|$))/g, ""));
  return Number.isFinite(n) ? n : 0;
}

/** A period key for people: "2025-03 · AWS · 123456789012". */
function periodLabel(key: string[]): string {
  return [key[0].slice(0, 10).replace(/^(\d{4}-\d{2})-01$/, "$1"), ...key.slice(1)].filter(Boolean).join(" · ");
}

/** Joins CSV parts that share one header into one CSV (the header once). */
export function joinParts(parts: { name: string; bytes: Uint8Array }[]): Uint8Array {
  const first = headerOf(parts[0].bytes);
  const chunks: Uint8Array[] = [parts[0].bytes];
  for (const p of parts.slice(1)) {
    const h = headerOf(p.bytes);
    assertSameColumns(first.names, h.names, p.name);
    chunks.push(p.bytes.subarray(h.end));
  }
  return concatBytes(chunks);
}

/** Refuses a file whose columns are not the dataset's (names compared as exports spell them). */
export function assertSameColumns(have: string[], got: string[], name: string): void {
  if (have.length === got.length && have.every((n, i) => n === got[i])) return;
  const missing = have.filter((n) => !got.includes(n)).slice(0, 5);
  const extra = got.filter((n) => !have.includes(n)).slice(0, 5);
  throw new ValidationError(
    `${name} does not have the same columns as the data it joins${
      missing.length ? ` (missing: ${missing.join(", ")})` : ""
    }${extra.length ? ` (new: ${extra.join(", ")})` : ""}${
      !missing.length && !extra.length ? " (same names, another order)" : ""
    }. Upload it to replace the data, or send a file of the same export.`,
    422,
  );
}

/**
 * The existing CSV with the rows of the periods `added` brings again left out, then the new
 * rows: what the dataset becomes when `added` (whose periods are `incoming`) is appended.
 */
export async function appendCsv(
  existing: Uint8Array,
  added: Uint8Array,
  addedName: string,
  incoming: Set<string>,
  pace: () => Promise<void> = noPace,
): Promise<{ bytes: Uint8Array; replaced: Set<string>; dropped: number }> {
  const old = headerOf(existing);
  const next = headerOf(added);
  assertSameColumns(old.names, next.names, addedName);
  const keys = periodKeyColumns(old.names);
  const kept: Uint8Array[] = [existing.subarray(0, old.end)];
  const replaced = new Set<string>();
  let dropped = 0;
  await scanRows(existing, old.end, keys, (s, e, key) => {
    const label = keys.length && key[0] ? periodLabel(key) : null;
    if (label && incoming.has(label)) {
      replaced.add(label);
      dropped++;
    } else kept.push(existing.subarray(s, e));
  }, pace);
  const lastKept = kept[kept.length - 1];
  const needsBreak = lastKept.byteLength && lastKept[lastKept.byteLength - 1] !== 0x0a;
  return {
    bytes: concatBytes([...kept, ...(needsBreak ? [new Uint8Array([0x0a])] : []), added.subarray(next.end)]),
    replaced,
    dropped,
  };
}
