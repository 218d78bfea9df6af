/**
 * Deterministic pseudo-random numbers, so that simulations and tests repeat exactly.
 * @module
 */

/**
 * Mulberry32: a small, fast 32-bit PRNG (public domain, by Tommy Ettinger).
 *
 * @example
 * const r = mulberry32(1); r() // → 0.6270739405881613
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A standard normal draw by the Box–Muller transform.
 *
 * @example
 * normal(mulberry32(1)) // → a number, mean 0 and variance 1 over many draws
 */
export function normal(rnd: () => number): number {
  const u = Math.max(rnd(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
}
