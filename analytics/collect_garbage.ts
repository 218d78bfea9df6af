/**
 * A hint to V8 to collect garbage now, for a worker that has just finished a large start-up.
 * @module
 */

/**
 * Makes V8 run a full collection soon. Instantiating DuckDB-WASM leaves ≈ 45 MB of garbage in
 * its worker's JS heap, which V8 only collects under pressure, and a worker that then waits
 * for requests is under none: the memory stays resident. Allocating a large ArrayBuffer reports
 * external memory, which makes V8 collect at once (the buffer's pages are never touched, so it
 * costs no memory itself). `gc()` would be the direct way, but needs a V8 flag no deployment
 * sets (Deno Deploy takes none).
 */
export function collectGarbageSoon(): void {
  for (let i = 0; i < 4; i++) {
    // deno-lint-ignore no-unused-vars
    let pressure: ArrayBuffer | null = new ArrayBuffer(256 << 20);
    pressure = null;
  }
}
