/**
 * CSV text in line-aligned slices: a stream of bytes cut where a record ends (a line feed
 * outside double quotes), so that each slice can be read on its own once the file's header is
 * put in front of it. This is what keeps an upload's memory a function of the slice, not of the
 * file: the engine reads one slice at a time into the dataset's table.
 *
 * ```ts
 * for await (const slice of csvSlices(chunks)) engine.loadSlice(id, withPreamble(preamble, slice), sql);
 * ```
 * @module
 */
import { ValidationError } from "../errors.ts";
import { concatBytes } from "./bytes.ts";

/** Bytes of one slice (a few MB: DuckDB's working memory for reading it stays small). */
export const SLICE_BYTES = 4 << 20;

/** The longest run without a record end that is accepted (a quote that never closes). */
export const MAX_RECORD_BYTES = 64 << 20;

const LF = 0x0a;
const QUOTE = 0x22;

/**
 * The end of the last complete record in `bytes` (the index after its line feed), or 0 if none
 * ends there. Quotes are counted from the start, which must be a record start: a line feed
 * inside a quoted value (RFC 4180, `""` escaping) is not a record end. The last line feed is
 * taken unless an odd number of quotes comes before it, then the one before, and so on; quotes
 * are found with native `indexOf`, not byte by byte.
 */
export function lastRecordEnd(bytes: Uint8Array): number {
  let end = bytes.lastIndexOf(LF);
  if (end < 0) return 0;
  let quotes = quotesBetween(bytes, 0, end);
  while (quotes % 2 === 1) {
    const previous = bytes.lastIndexOf(LF, end - 1);
    if (previous < 0) return 0;
    quotes -= quotesBetween(bytes, previous + 1, end);
    end = previous;
  }
  return end + 1;
}

/** Quotes in `bytes[from, to)`. */
function quotesBetween(bytes: Uint8Array, from: number, to: number): number {
  let count = 0;
  for (let at = bytes.indexOf(QUOTE, from); at >= 0 && at < to; at = bytes.indexOf(QUOTE, at + 1)) count++;
  return count;
}

/**
 * Cuts a stream of CSV bytes into slices of about `size` bytes, each ending at a record end
 * (the last may end without a line feed). The first slice starts with the file's header.
 * Throws a 422 {@link ValidationError} when `maxRecord` bytes pass without a record end.
 *
 * With `reuse`, slices joined from several chunks are written into three buffers in turn
 * instead of a new one each: a 4 MB allocation per slice left the request thread's heap tens
 * of MB larger after an upload. A slice's bytes are then overwritten when the third slice after
 * it is cut, so a consumer reads or copies each slice before asking for the one after next
 * (one slice read ahead, as an upload does, is safe).
 */
export async function* csvSlices(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  size: number = SLICE_BYTES,
  maxRecord: number = MAX_RECORD_BYTES,
  opts: { reuse?: boolean } = {},
): AsyncGenerator<Uint8Array> {
  const buffers = opts.reuse ? new BufferRing(3) : null;
  const join = (parts: Uint8Array[]) => parts.length === 1 ? parts[0] : buffers?.join(parts) ?? concatBytes(parts);
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  for await (const whole of chunks) {
    // A large chunk (a whole file) is taken a slice's worth at a time.
    for (let at = 0; at < whole.byteLength; at += size) {
      const chunk = whole.subarray(at, at + size);
      pending.push(chunk);
      pendingBytes += chunk.byteLength;
      if (pendingBytes < size) continue;
      const joined = join(pending);
      const cut = lastRecordEnd(joined);
      if (cut === 0) {
        if (pendingBytes > maxRecord) {
          throw new ValidationError(
            `No line ends within ${
              Math.ceil(maxRecord / 1048576)
            } MB: a quoted value is never closed (check the quotes).`,
            422,
          );
        }
        // A record longer than a slice grows in a buffer of its own, leaving the ring's for the slice.
        pending = [buffers ? joined.slice() : joined];
        continue;
      }
      yield joined.subarray(0, cut);
      buffers?.advance();
      pending = cut < joined.byteLength ? [joined.subarray(cut)] : [];
      pendingBytes = joined.byteLength - cut;
    }
  }
  if (pendingBytes) yield join(pending);
}

/** A few buffers used in turn to join chunks into, each grown when a join needs more room. */
class BufferRing {
  #buffers: ArrayBuffer[];
  #current = 0;

  constructor(count: number) {
    this.#buffers = Array.from({ length: count }, () => new ArrayBuffer(0));
  }

  /** The next join goes into the next buffer (the current one now holds a slice given out). */
  advance(): void {
    this.#current = (this.#current + 1) % this.#buffers.length;
  }

  /** `parts` joined into the current buffer of the ring (what it held is overwritten). */
  join(parts: Uint8Array[]): Uint8Array {
    const out = concatBytes(parts, this.#buffers[this.#current]);
    this.#buffers[this.#current] = out.buffer as ArrayBuffer;
    return out;
  }
}

/**
 * The first `lines` records of a slice: the title lines and the header, which a later slice
 * needs in front of it to be read as the file is.
 */
export function leadingLines(slice: Uint8Array, lines: number): Uint8Array {
  let quoted = false;
  let seen = 0;
  for (let i = 0; i < slice.byteLength; i++) {
    if (slice[i] === QUOTE) quoted = !quoted;
    else if (slice[i] === LF && !quoted && ++seen === lines) return slice.subarray(0, i + 1);
  }
  return slice;
}

/** A later slice as a CSV file of its own: the file's leading lines, then the slice (a new buffer). */
export function withPreamble(preamble: Uint8Array, slice: Uint8Array): Uint8Array {
  return concatBytes([preamble, slice]);
}

/**
 * Line feeds before record `record` (0-based) of CSV bytes, quotes respected: where a record
 * DuckDB numbers starts among the file's physical lines (a quoted value may span several).
 */
export function linesBeforeRecord(bytes: Uint8Array, record: number): number {
  let quoted = false;
  let records = 0;
  let lines = 0;
  for (let i = 0; i < bytes.byteLength && records < record; i++) {
    if (bytes[i] === QUOTE) quoted = !quoted;
    else if (bytes[i] === LF) {
      lines++;
      if (!quoted) records++;
    }
  }
  return lines;
}

/** Line feeds in `bytes` (to number the lines of later slices as the file does). */
export function countLines(bytes: Uint8Array): number {
  let n = 0;
  for (let i = bytes.indexOf(LF); i >= 0; i = bytes.indexOf(LF, i + 1)) n++;
  return n;
}

/**
 * Pulls up to `depth` items of `source` ahead of its consumer, so that preparing the next slice
 * (checking, hashing, compressing it on this thread) overlaps the engine reading this one in
 * its worker. Errors surface in order, when the consumer reaches them.
 */
export async function* readAhead<T>(source: AsyncIterable<T>, depth = 1): AsyncGenerator<T> {
  const items = source[Symbol.asyncIterator]();
  const queue: Promise<IteratorResult<T>>[] = [];
  const pull = () => {
    const next = items.next();
    next.catch(() => {}); // awaited below, in order
    queue.push(next);
  };
  try {
    for (;;) {
      while (queue.length <= depth) pull();
      const result = await queue.shift()!;
      if (result.done) return;
      yield result.value;
    }
  } finally {
    await items.return?.(undefined);
  }
}
