/**
 * Byte-array helpers shared by the readers of uploads (slices, parts, Parquet), and hex for
 * digests and secrets.
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

/**
 * Bytes as lower-case hex.
 *
 * @example
 * hexOf(new Uint8Array([1, 171])) // → "01ab"
 */
export function hexOf(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}
