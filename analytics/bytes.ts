/**
 * Byte-array helpers shared by the readers of uploads (slices, parts, Parquet), and hex for
 * digests and secrets.
 * @module
 */

/**
 * Byte arrays joined into one: a new array of their size, or, with `room` (a buffer kept for
 * reuse), a view at its start; when `room` is too small, a new buffer with an eighth to spare, so
 * that the caller keeps `out.buffer` as the room for the next join.
 */
export function concatBytes(chunks: Uint8Array[], room?: ArrayBuffer): Uint8Array {
  const total = chunks.reduce((n, c) => n + c.byteLength, 0);
  const out = !room
    ? new Uint8Array(total)
    : new Uint8Array(room.byteLength >= total ? room : new ArrayBuffer(total + (total >> 3)), 0, total);
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
