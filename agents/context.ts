/**
 * The planner's view of a dataset: distinct values per dimension column, built once per
 * dataset with two queries and cached.
 * @module
 */
import type { DatasetMeta } from "../analytics/dataset.ts";
import type { Engine } from "../analytics/engine.ts";
import { tableNames } from "../analytics/engine.ts";
import { q } from "../analytics/sql.ts";
import { tagValueExpr } from "../analytics/tags.ts";
import { MAX_NAMED_VALUE, type ValueIndex } from "./planner.ts";

const CANONICAL_DIMS = [
  "ServiceName",
  "ServiceCategory",
  "RegionName",
  "SubAccountName",
  "ChargeCategory",
  "ProviderName",
  "BillingCurrency",
];

/** Most distinct values a column may have and still be indexed. */
export const MAX_INDEXED_VALUES = 1000;

/** Builds the value index of a loaded dataset. */
export async function buildValueIndex(engine: Engine, meta: DatasetMeta): Promise<ValueIndex> {
  const view = q(tableNames(meta.id).view);
  const originals = meta.columns
    .filter((c) => c.role === "dimension" && /^VARCHAR/i.test(c.type))
    .map((c) => c.name)
    .filter((n) => !meta.canonical.some((k) => k.toLowerCase() === n.toLowerCase()))
    .slice(0, 60);
  const candidates = [...CANONICAL_DIMS.filter((c) => meta.canonical.includes(c as never)), ...originals];
  const card = candidates.length
    ? await engine.query(
      meta.id,
      `SELECT ${candidates.map((c, i) => `approx_count_distinct(${q(c)}) AS "c${i}"`).join(", ")} FROM ${view}`,
    )
    : null;
  const keep = candidates.filter((c, i) =>
    CANONICAL_DIMS.includes(c) || Number(card?.rows[0][i] ?? Infinity) <= MAX_INDEXED_VALUES
  );
  // The most used tag keys are indexed too, so "platform team" finds the tag value.
  const tagKeys = meta.canonical.includes("Tags") ? (meta.tags ?? []).slice(0, 20).map((t) => t.key) : [];
  const exprs = [...keep.map((c) => q(c)), ...tagKeys.map((k) => tagValueExpr(k))];
  keep.push(...tagKeys.map((k) => `tag:${k}`));
  if (!keep.length) return {};
  const union = exprs.map((e, i) =>
    `SELECT * FROM (SELECT ${i} AS k, CAST(${e} AS VARCHAR) AS v, COUNT(*) AS n FROM ${view} ` +
    `WHERE ${e} IS NOT NULL AND length(CAST(${e} AS VARCHAR)) <= ${MAX_NAMED_VALUE} ` +
    `GROUP BY 2 ORDER BY n DESC LIMIT ${MAX_INDEXED_VALUES})`
  ).join(" UNION ALL ");
  const rs = await engine.query(meta.id, union);
  const index: ValueIndex = {};
  for (const [k, v, n] of rs.rows) {
    const col = keep[Number(k)];
    (index[col] ??= []).push({ value: String(v), n: Number(n) });
  }
  for (const list of Object.values(index)) list.sort((a, b) => b.n - a.n);
  return index;
}

/** A small LRU cache of value indexes by dataset id. */
export class ValueIndexCache {
  #map = new Map<string, Promise<ValueIndex>>();
  #max: number;
  constructor(max = 64) {
    this.#max = max;
  }
  /** Returns the cached index, building it on first use. */
  get(engine: Engine, meta: DatasetMeta): Promise<ValueIndex> {
    let p = this.#map.get(meta.id);
    if (p) {
      this.#map.delete(meta.id);
      this.#map.set(meta.id, p);
      return p;
    }
    p = buildValueIndex(engine, meta);
    p.catch(() => this.#map.delete(meta.id));
    this.#map.set(meta.id, p);
    if (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value!);
    return p;
  }
  /** Forgets a dataset. */
  delete(id: string): void {
    this.#map.delete(id);
  }
}
