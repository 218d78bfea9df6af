/**
 * Isolation Forest (Liu, Ting & Zhou, "Isolation Forest", ICDM 2008): anomalies are isolated
 * by fewer random splits than normal points. Small, deterministic (seeded) implementation:
 * the npm packages found for it are unmaintained 0.x releases.
 * @module
 */
import { mulberry32 } from "./random.ts";

type Node = { size: number } | { dim: number; split: number; left: Node; right: Node };

/** Average path length of an unsuccessful BST search among n points: c(n) in the paper. */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + 0.5772156649) - (2 * (n - 1)) / n;
}

function build(points: number[][], depth: number, limit: number, rnd: () => number): Node {
  if (depth >= limit || points.length <= 1) return { size: points.length };
  const dims = points[0].length;
  const dim = Math.floor(rnd() * dims);
  let min = Infinity;
  let max = -Infinity;
  for (const p of points) {
    if (p[dim] < min) min = p[dim];
    if (p[dim] > max) max = p[dim];
  }
  if (min === max) return { size: points.length };
  const split = min + rnd() * (max - min);
  return {
    dim,
    split,
    left: build(points.filter((p) => p[dim] < split), depth + 1, limit, rnd),
    right: build(points.filter((p) => p[dim] >= split), depth + 1, limit, rnd),
  };
}

function pathLength(x: number[], node: Node, depth: number): number {
  if ("size" in node) return depth + averagePathLength(node.size);
  return pathLength(x, x[node.dim] < node.split ? node.left : node.right, depth + 1);
}

/**
 * Anomaly scores in (0, 1] for each point: near 1 is anomalous, below 0.5 is normal (NaN for
 * points left out by `only`).
 *
 * @example
 * isolationScores([[1], [1.1], [0.9], [1], [9]]).at(-1) // → the highest score of the five
 */
export function isolationScores(
  points: number[][],
  opts: { trees?: number; sampleSize?: number; seed?: number; only?: number[] } = {},
): number[] {
  if (points.length === 0) return [];
  const rnd = mulberry32(opts.seed ?? 7);
  const psi = Math.min(opts.sampleSize ?? 256, points.length);
  const limit = Math.ceil(Math.log2(Math.max(psi, 2)));
  const trees: Node[] = [];
  for (let t = 0; t < (opts.trees ?? 100); t++) {
    const sample: number[][] = [];
    for (let i = 0; i < psi; i++) sample.push(points[Math.floor(rnd() * points.length)]);
    trees.push(build(sample, 0, limit, rnd));
  }
  const c = averagePathLength(psi);
  // Scoring is the costly part; callers that need a few points' scores name them.
  const wanted = opts.only ? new Set(opts.only) : null;
  return points.map((x, i) => {
    if (wanted && !wanted.has(i)) return NaN;
    const mean = trees.reduce((s, tr) => s + pathLength(x, tr, 0), 0) / trees.length;
    return c > 0 ? 2 ** (-mean / c) : 0.5;
  });
}
