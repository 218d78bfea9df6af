/**
 * Exports split into parts, delivered as one archive: a `.zip` (read with `fflate`) or a tar
 * (a `.tar.gz` arrives here already inflated), whose entries are CSV, `.csv.gz` or Parquet
 * parts. The parts are returned in name order; their total size is bounded before anything is
 * inflated, so an archive bomb stops early.
 *
 * @example
 * archiveParts(zipBytes, 100 * 2 ** 20) // → [{name: "cur-00001.csv.gz", bytes: …}, …] or null (not an archive)
 * @module
 */
import { gunzipSync, unzipSync } from "fflate";
import { ValidationError } from "../errors.ts";

/** One part of an archive. */
export interface ArchivePart {
  name: string;
  bytes: Uint8Array;
}

const PART = /\.(csv|csv\.gz|parquet)$/i;

/** Whether bytes start like a zip file. */
export function isZip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** Whether bytes are a tar archive (ustar magic at offset 257). */
export function isTar(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 512 && new TextDecoder().decode(bytes.subarray(257, 262)) === "ustar";
}

function tooLarge(maxBytes: number): ValidationError {
  return new ValidationError(`The archive's files add up to more than ${Math.round(maxBytes / 1048576)} MB.`, 413);
}

/** Names an archive of parts goes by (a `.tar.gz` has lost its `.gz` when inflated on arrival). */
const ARCHIVE_NAME = /\.(zip|tar|tgz|tar\.gz)$/i;

/** True for a file name an archive of parts has (.zip, .tar, .tgz, .tar.gz). */
export function isArchiveName(name: string): boolean {
  return ARCHIVE_NAME.test(name);
}

/**
 * The CSV and Parquet parts of a zip or tar archive (gzip parts inflated), or null when it is
 * not one. Only a file named as an archive is opened: a spreadsheet is a zip too, and is refused
 * as what it is.
 */
export function archiveParts(bytes: Uint8Array, maxBytes: number, name = "archive.zip"): ArchivePart[] | null {
  if (!ARCHIVE_NAME.test(name)) return null;
  // A .tgz arrives still compressed (only names ending in .gz are inflated on arrival).
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch {
      throw new ValidationError("The archive is a damaged gzip file.", 422);
    }
    if (bytes.byteLength > maxBytes * 1.05) throw tooLarge(maxBytes);
  }
  let parts: ArchivePart[];
  if (isZip(bytes)) parts = zipParts(bytes, maxBytes);
  else if (isTar(bytes)) parts = tarParts(bytes);
  else return null;
  parts = parts.filter((p) => PART.test(p.name) && !/(^|\/)(__MACOSX|\.)/.test(p.name));
  if (!parts.length) throw new ValidationError("The archive has no CSV, .csv.gz or Parquet file in it.", 422);
  let total = 0;
  const out = parts.sort((a, b) => a.name.localeCompare(b.name)).map((p) => {
    let data = p.bytes;
    if (/\.gz$/i.test(p.name)) {
      try {
        data = gunzipSync(p.bytes);
      } catch {
        throw new ValidationError(`The part ${baseName(p.name)} in the archive is a damaged gzip file.`, 422);
      }
    }
    total += data.byteLength;
    if (total > maxBytes) throw tooLarge(maxBytes);
    return { name: baseName(p.name).replace(/\.gz$/i, ""), bytes: data };
  });
  return out;
}

function baseName(path: string): string {
  return path.split("/").pop() ?? path;
}

function zipParts(bytes: Uint8Array, maxBytes: number): ArchivePart[] {
  let declared = 0;
  try {
    const files = unzipSync(bytes, {
      // Sizes from the directory, checked before inflating anything.
      filter: (f) => {
        if (!PART.test(f.name)) return false;
        declared += f.originalSize;
        if (declared > maxBytes) throw tooLarge(maxBytes);
        return true;
      },
    });
    return Object.entries(files).map(([name, data]) => ({ name, bytes: data }));
  } catch (e) {
    if (e instanceof ValidationError) throw e;
    throw new ValidationError("The zip file is damaged or uses a compression this reader does not know.", 422);
  }
}

function tarParts(bytes: Uint8Array): ArchivePart[] {
  const out: ArchivePart[] = [];
  const text = new TextDecoder();
  for (let at = 0; at + 512 <= bytes.byteLength;) {
    const header = bytes.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const field = (from: number, len: number) => text.decode(header.subarray(from, from + len)).replace(/\0.*$/s, "");
    const prefix = field(345, 155);
    const name = (prefix ? `${prefix}/` : "") + field(0, 100);
    const size = parseInt(field(124, 12).trim() || "0", 8);
    const type = field(156, 1);
    if (!Number.isFinite(size) || at + 512 + size > bytes.byteLength) {
      throw new ValidationError("The tar file is damaged or incomplete.", 422);
    }
    if (type === "0" || type === "") out.push({ name, bytes: bytes.subarray(at + 512, at + 512 + size) });
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}
