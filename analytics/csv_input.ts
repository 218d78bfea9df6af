/**
 * Checks and normalises the bytes of an uploaded CSV before DuckDB sees them: encoding
 * (UTF-8, UTF-8 with BOM, UTF-16 with BOM, Windows-1252), binary files, empty and header-only
 * files.
 * @module
 */
import { ValidationError } from "../errors.ts";
import { concatBytes } from "./bytes.ts";

/** Limits applied to a CSV's shape. */
export interface CsvLimits {
  maxColumns: number;
}

/** Default shape limits. */
export const DEFAULT_CSV_LIMITS: CsvLimits = { maxColumns: 1000 };

/** What {@link normaliseCsv} learned about the file. */
export interface CsvInfo {
  encoding: "utf-8" | "utf-16le" | "utf-16be" | "windows-1252";
  header: string[];
}

/** Splits one CSV header line into names, honouring double quotes. */
export function parseHeader(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let inQ = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (inQ) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') inQ = false;
      else cur += ch;
    } else if (ch === '"') inQ = true;
    else if (ch === ",") {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim());
}

/** Fields of a CSV's header line (its first line that is not blank), split at commas outside quotes. */
export function headerFieldsOf(bytes: Uint8Array): number {
  return parseHeader(headerLine(bytes).line).length;
}

/** The first line that is not blank (decoded, without its line end), and where it ends. */
function headerLine(bytes: Uint8Array): { line: string; end: number } {
  let start = 0;
  while (start < bytes.byteLength && isSpace(bytes[start])) start++;
  let end = bytes.indexOf(0x0a, start);
  if (end < 0) end = bytes.byteLength;
  return { line: new TextDecoder().decode(bytes.subarray(start, end)).replace(/\r$/, ""), end };
}

/** Bytes scanned between two calls of the caller's pace function. */
const SCAN_STEP = 4 << 20;

/**
 * Returns UTF-8 bytes of the CSV (without BOM) and what was found, or throws a
 * {@link ValidationError}: 415 for binary content, 422 for empty or header-only files. The
 * whole-file scans (UTF-8 validity, NUL bytes) run in 4 MiB slices with `pace` awaited between
 * them, so that a caller on a server can let other requests in (a 150 MB file takes 0.1–0.3 s).
 *
 * @example
 * (await normaliseCsv(new TextEncoder().encode("\uFEFFdate,cost\n2024-01-01,1\n"))).info.header // → ["date", "cost"]
 */
export async function normaliseCsv(
  bytes: Uint8Array,
  limits: CsvLimits = DEFAULT_CSV_LIMITS,
  pace: () => Promise<void> = () => Promise.resolve(),
): Promise<{ bytes: Uint8Array; info: CsvInfo }> {
  if (bytes.byteLength === 0) throw new ValidationError("The file is empty.", 422);
  let encoding: CsvInfo["encoding"] = "utf-8";
  let text: string;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    encoding = "utf-16le";
    text = new TextDecoder("utf-16le").decode(bytes.subarray(2));
  } else if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    encoding = "utf-16be";
    text = new TextDecoder("utf-16be").decode(bytes.subarray(2));
  } else {
    const head = bytes.subarray(0, 8192);
    if (head.includes(0)) {
      throw new ValidationError("The file looks binary, not like a CSV text file.", 415);
    }
    const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    const body = bytes.subarray(start);
    const scan = new TextScan();
    for (let o = 0; o < body.byteLength; o += SCAN_STEP) {
      scan.push(body.subarray(o, o + SCAN_STEP));
      await pace();
    }
    scan.end();
    if (scan.nul) throw new ValidationError("The file contains NUL characters: not a CSV.", 415);
    if (scan.utf8) {
      // The common case never becomes a string: a 150 MB file would be 150–300 MB more in V8.
      // Lines ending both ways (an export edited on two systems) are read as LF throughout.
      const out = scan.crlf && scan.lf ? dropCrBeforeLf(body) : start === 0 ? bytes : body;
      return { bytes: out, info: { encoding, header: checkShapeBytes(out, limits) } };
    }
    encoding = "windows-1252";
    text = new TextDecoder("windows-1252").decode(body);
  }
  if (text.includes("\u0000")) throw new ValidationError("The file contains NUL characters: not a CSV.", 415);
  if (text.includes("\r\n") && /(^|[^\r])\n/.test(text)) text = text.replaceAll("\r\n", "\n");
  const header = checkShape(text, limits);
  return { bytes: new TextEncoder().encode(text), info: { encoding, header } };
}

/** What {@link normaliseStream} found, filled in as the stream is read. */
export interface StreamInfo {
  encoding: CsvInfo["encoding"];
  /** The header's names, once the first line has passed. */
  header: string[];
}

/**
 * {@link normaliseCsv} for a stream: yields UTF-8 bytes with every line end written as LF
 * (CR LF and a lone CR alike), without a BOM, checking each chunk as it passes (binary start,
 * NUL bytes, the header's shape). UTF-16 with a BOM is transcoded; from the first chunk that is
 * not valid UTF-8 on, text is read as Windows-1252 (the file cannot be held to look back).
 * `info` is filled in as the stream is read. Throws the same errors as {@link normaliseCsv}.
 */
export async function* normaliseStream(
  chunks: AsyncIterable<Uint8Array>,
  limits: CsvLimits = DEFAULT_CSV_LIMITS,
  info: StreamInfo = { encoding: "utf-8", header: [] },
): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder();
  const lineEnds = new LineEnds();
  const scan = new TextScan(false);
  let decoder: TextDecoder | null = null;
  let first = true;
  let header: Uint8Array | null = new Uint8Array(0);
  let data = false;
  for await (let chunk of chunks) {
    if (!chunk.byteLength) continue;
    if (first) {
      first = false;
      if (chunk[0] === 0xff && chunk[1] === 0xfe) [info.encoding, chunk] = ["utf-16le", chunk.subarray(2)];
      else if (chunk[0] === 0xfe && chunk[1] === 0xff) [info.encoding, chunk] = ["utf-16be", chunk.subarray(2)];
      else if (chunk.subarray(0, 8192).includes(0)) {
        throw new ValidationError("The file looks binary, not like a CSV text file.", 415);
      } else if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
      if (info.encoding !== "utf-8") decoder = new TextDecoder(info.encoding);
    }
    let out: Uint8Array;
    if (decoder) out = encoder.encode(decoder.decode(chunk, { stream: true }));
    else {
      scan.push(chunk);
      if (!scan.utf8 && info.encoding === "utf-8") {
        info.encoding = "windows-1252";
        decoder = new TextDecoder("windows-1252");
      }
      out = decoder ? encoder.encode(decoder.decode(chunk, { stream: true })) : chunk;
    }
    // The UTF-8 scan has looked for NUL bytes already; decoded text is checked here.
    if ((scan.nul || decoder) && out.includes(0)) {
      throw new ValidationError("The file contains NUL characters: not a CSV.", 415);
    }
    out = lineEnds.push(out);
    if (header) {
      header = concatBytes([header, out]);
      const start = header.findIndex((b) => !isSpace(b));
      if ((start < 0 || header.indexOf(0x0a, start) < 0) && header.byteLength < 1 << 20) continue;
      info.header = checkShapeBytes(header, limits, true);
      out = header;
      header = null;
      data = hasDataAfterHeader(out);
    } else if (!data) data = out.some((b) => !isSpace(b));
    yield out;
  }
  const tail = lineEnds.end();
  if (header) {
    header = concatBytes([header, tail]);
    info.header = checkShapeBytes(header, limits);
    yield header;
    return;
  }
  if (tail.byteLength) yield tail;
  if (!data) throw new ValidationError("The file has a header but no data rows.", 422);
}

/** True if a non-space byte follows the header line (a data row exists). */
function hasDataAfterHeader(bytes: Uint8Array): boolean {
  const start = bytes.findIndex((b) => !isSpace(b));
  const nl = bytes.indexOf(0x0a, Math.max(start, 0));
  return nl >= 0 && bytes.subarray(nl).some((b) => !isSpace(b));
}

/**
 * Line ends rewritten as LF across chunk boundaries: CR LF becomes LF, a lone CR becomes LF. A
 * CR at the end of a chunk waits for the next chunk's first byte.
 */
class LineEnds {
  #heldCr = false;

  push(part: Uint8Array): Uint8Array {
    const cr = part.indexOf(13);
    if (cr < 0 && !this.#heldCr) return part;
    const out = new Uint8Array(part.byteLength + 1);
    let n = 0;
    let i = 0;
    if (this.#heldCr) {
      out[n++] = 0x0a;
      if (part[0] === 0x0a) i = 1;
      this.#heldCr = false;
    }
    for (; i < part.byteLength; i++) {
      const b = part[i];
      if (b !== 13) out[n++] = b;
      else if (i + 1 === part.byteLength) this.#heldCr = true;
      else {
        out[n++] = 0x0a;
        if (part[i + 1] === 0x0a) i++;
      }
    }
    return out.subarray(0, n);
  }

  end(): Uint8Array {
    return this.#heldCr ? new Uint8Array([0x0a]) : new Uint8Array(0);
  }
}

/**
 * Checks text fed slice by slice: whether it is all valid UTF-8 and whether it has a NUL byte.
 * ASCII runs are checked a word at a time; from the first other byte on, a strict streaming
 * decoder does the work (a character may span two slices).
 */
class TextScan {
  #decoder = new TextDecoder("utf-8", { fatal: true });
  #ascii = true;
  #lastByte = -1;
  #countLineEnds: boolean;
  utf8 = true;
  nul = false;
  /** Line ends seen: CR LF pairs, and LF alone (when counted). */
  crlf = 0;
  lf = 0;

  /** `countLineEnds`: false when the caller rewrites line ends itself (a stream). */
  constructor(countLineEnds = true) {
    this.#countLineEnds = countLineEnds;
  }

  push(part: Uint8Array): void {
    if (!this.nul && part.indexOf(0) >= 0) this.nul = true;
    for (let i = this.#countLineEnds ? part.indexOf(10) : -1; i >= 0; i = part.indexOf(10, i + 1)) {
      if ((i > 0 ? part[i - 1] : this.#lastByte) === 13) this.crlf++;
      else this.lf++;
    }
    if (part.byteLength) this.#lastByte = part[part.byteLength - 1];
    if (!this.utf8) return;
    let from = 0;
    if (this.#ascii) {
      from = asciiPrefix(part);
      if (from === part.byteLength) return;
      this.#ascii = false;
    }
    try {
      this.#decoder.decode(part.subarray(from), { stream: true });
    } catch {
      this.utf8 = false;
    }
  }

  end(): void {
    if (this.utf8 && !this.#ascii) {
      try {
        this.#decoder.decode();
      } catch {
        this.utf8 = false;
      }
    }
  }
}

/** The bytes with every CR that precedes an LF removed (CR LF → LF). */
export function dropCrBeforeLf(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.byteLength);
  let n = 0;
  let from = 0;
  for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) {
    const end = i > 0 && bytes[i - 1] === 13 ? i - 1 : i;
    out.set(bytes.subarray(from, end), n);
    n += end - from;
    from = i;
  }
  out.set(bytes.subarray(from), n);
  n += bytes.byteLength - from;
  return out.subarray(0, n);
}

/** Length of the all-ASCII start of `bytes`, four bytes at a time where aligned. */
function asciiPrefix(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.byteLength && (bytes.byteOffset + i) % 4 !== 0 && bytes[i] < 0x80) i++;
  if ((bytes.byteOffset + i) % 4 === 0) {
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset + i, Math.floor((bytes.byteLength - i) / 4));
    let w = 0;
    while (w < words.length && (words[w] & 0x80808080) === 0) w++;
    i += w * 4;
  }
  while (i < bytes.byteLength && bytes[i] < 0x80) i++;
  return i;
}

/** True if `bytes` is valid UTF-8 (the check {@link normaliseCsv} makes, in one go). */
export function isUtf8(bytes: Uint8Array): boolean {
  const scan = new TextScan();
  for (let o = 0; o < bytes.byteLength; o += SCAN_STEP) scan.push(bytes.subarray(o, o + SCAN_STEP));
  scan.end();
  return scan.utf8;
}

const isSpace = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

/**
 * {@link checkShape} on UTF-8 bytes, decoding only the header line; `more` when the bytes are
 * only the start of the file (whether data rows follow is not known yet).
 */
function checkShapeBytes(bytes: Uint8Array, limits: CsvLimits, more = false): string[] {
  const { line: header, end } = headerLine(bytes);
  let d = end;
  while (d < bytes.byteLength && isSpace(bytes[d])) d++;
  return checkShape(header + (more || d < bytes.byteLength ? "\nx" : ""), limits);
}

function checkShape(text: string, limits: CsvLimits): string[] {
  const trimmed = text.replace(/^\s+/, "");
  if (trimmed.length === 0) throw new ValidationError("The file is empty.", 422);
  const nl = trimmed.search(/\r?\n/);
  const headerLine = nl < 0 ? trimmed : trimmed.slice(0, nl);
  const rest = nl < 0 ? "" : trimmed.slice(nl).trim();
  const header = parseHeader(headerLine);
  if (header.length > limits.maxColumns) {
    throw new ValidationError(
      `The file has ${header.length} columns; at most ${limits.maxColumns} are accepted.`,
      422,
    );
  }
  if (header.every((h) => h === "")) throw new ValidationError("The header row is empty.", 422);
  if (rest.length === 0) throw new ValidationError("The file has a header but no data rows.", 422);
  return header;
}
