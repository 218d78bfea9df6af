/**
 * Byte-array helpers shared by the readers of uploads (slices, parts, Parquet).
 * @module
 */

/** Byte arrays joined into one. */
export function concatBytes(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
