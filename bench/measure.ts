/**
 * Measuring helpers shared by the benchmarks (`bench/run.ts`, `bench/soak.ts`).
 * @module
 */

/**
 * The nearest-rank percentile `p` (0–100) of `xs`.
 *
 * @example
 * percentile([5, 1, 3, 2, 4], 50) // → 3
 */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** Resident and peak resident memory of process `pid` in MB, from Linux /proc (null elsewhere). */
export function processMemoryMb(pid: number): { rss: number; peak: number } | null {
  try {
    const st = Deno.readTextFileSync(`/proc/${pid}/status`);
    const kb = (k: string) => Number(st.match(new RegExp(`${k}:\\s+(\\d+)`))?.[1] ?? NaN);
    return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
  } catch {
    return null;
  }
}
