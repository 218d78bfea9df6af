/**
 * Descriptive statistics for cost series: moving averages and correlations.
 * @module
 */
import { sampleCorrelation } from "simple-statistics";

/**
 * Trailing simple moving average; the first `window − 1` points have none (null).
 *
 * @example
 * movingAverage([1, 2, 3, 4], 2) // → [null, 1.5, 2.5, 3.5]
 */
export function movingAverage(values: number[], window: number): (number | null)[] {
  const out: (number | null)[] = [];
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    if (i >= window) sum -= values[i - window];
    out.push(i >= window - 1 ? sum / window : null);
  }
  return out;
}

/** Ranks with ties averaged (for Spearman's coefficient). */
export function ranks(values: number[]): number[] {
  const idx = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const out = new Array(values.length);
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1].v === idx[i].v) j++;
    for (let k = i; k <= j; k++) out[idx[k].i] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

/**
 * Pearson's correlation (or Spearman's, on ranks) between every pair of named series of equal
 * length. Constant series have no correlation (null).
 *
 * @example
 * correlationMatrix({a: [1, 2, 3], b: [2, 4, 6]}) // → {names: ["a", "b"], matrix: [[1, 1], [1, 1]]}
 */
export function correlationMatrix(
  series: Record<string, number[]>,
  method: "pearson" | "spearman" = "pearson",
): { names: string[]; matrix: (number | null)[][] } {
  const names = Object.keys(series);
  const data = names.map((n) => (method === "spearman" ? ranks(series[n]) : series[n]));
  const constant = data.map((d) => d.every((v) => v === d[0]));
  const matrix = names.map((_, i) =>
    names.map((_, j) => {
      if (i === j) return constant[i] ? null : 1;
      if (constant[i] || constant[j] || data[i].length < 3) return null;
      return Math.max(-1, Math.min(1, sampleCorrelation(data[i], data[j])));
    })
  );
  return { names, matrix };
}
