/**
 * Tags: one canonical form (a flat JSON object string in `Tags`) whatever the export wrote
 * (FOCUS JSON, Azure's brace-less pairs, GCP key/value arrays, CUR and OCI tag columns), and
 * query-time extraction that merges key variants (`Team`, `team`, ` team`).
 *
 * DuckDB's JSON extension is not available offline, so everything here is done with string
 * functions and RE2 regular expressions.
 * @module
 */
import { lit, q, type RawColumn } from "./sql.ts";

/**
 * Normalised tag key: trimmed, lower case, without the `user:` / `user_` prefix AWS adds to
 * user-defined cost allocation tags.
 *
 * @example
 * normaliseTagKey(" user:Team ") // → "team"
 */
export function normaliseTagKey(key: string): string {
  return key.trim().toLowerCase().replace(/^user[:_]/, "").trim();
}

/** Escapes a string for use inside an RE2 pattern. */
export function reEscape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}

/** SQL that JSON-quotes a text expression (backslashes and quotes escaped). */
function jsonString(expr: string): string {
  return `'"' || replace(replace(${expr}, '\\', '\\\\'), '"', '\\"') || '"'`;
}

/** Tag columns of CUR (legacy, Athena) and OCI exports: column name → tag key as written. */
export function tagColumns(raw: RawColumn[]): { column: string; key: string }[] {
  const out: { column: string; key: string }[] = [];
  for (const c of raw) {
    let m = c.name.match(/^resourceTags\/(?:user:|aws:)?(.+)$/i) ??
      c.name.match(/^resource_tags_(?:user_|aws_)?(.+)$/i);
    if (!m) m = c.name.match(/^tags\/(.+)$/i);
    if (m && m[1].trim()) out.push({ column: c.name, key: m[1] });
  }
  // DuckDB renames a header that repeats another one up to case (`user_Team` → `user_Team_1`);
  // the suffix is not part of the tag key.
  const lower = new Set(out.map((t) => t.key.toLowerCase()));
  for (const t of out) {
    const base = t.key.replace(/_\d+$/, "");
    if (base !== t.key && lower.has(base.toLowerCase())) t.key = base;
  }
  return out;
}

/**
 * SQL building the canonical Tags object from one column per tag. Keys are kept as written;
 * variants (`team`, `Team`) are merged when a tag is read ({@link tagValueExpr}), where the
 * first non-empty one wins, and reported as merged by the quality report.
 *
 * @example
 * tagsFromColumns([{column: "resourceTags/user:Team", key: "Team"}]) // → `NULLIF('{' || concat_ws(...) || '}', '{}')`
 */
export function tagsFromColumns(cols: { column: string; key: string }[]): string {
  const parts = cols.map(({ column, key }) => {
    const value = `NULLIF(TRIM(CAST(${q(column)} AS VARCHAR)), '')`;
    return `CASE WHEN ${value} IS NOT NULL THEN ${lit(JSON.stringify(key) + ":")} || ${jsonString(value)} END`;
  });
  return `NULLIF('{' || concat_ws(',', ${parts.join(", ")}) || '}', '{}')`;
}

/**
 * SQL that turns a tags text column of any common shape into a flat JSON object string:
 * `{"a":"b"}` stays, `"a": "b","c": "d"` (Azure) gets braces, `[{"key":"a","value":"b"}]` (GCP)
 * becomes `{"a":"b"}`; empty becomes NULL.
 */
export function tagsFromText(column: string): string {
  const c = `TRIM(CAST(${q(column)} AS VARCHAR))`;
  const kv =
    `regexp_replace(regexp_replace(${c}, '\\{\\s*"key"\\s*:\\s*("[^"]*")\\s*,\\s*"value"\\s*:\\s*("[^"]*")\\s*\\}', '\\1:\\2', 'g'), '^\\[(.*)\\]$', '{\\1}')`;
  return `CASE WHEN ${c} IS NULL OR ${c} IN ('', '{}', '[]') THEN NULL ` +
    `WHEN ${c} LIKE '[%' THEN ${kv} ` +
    `WHEN ${c} LIKE '{%' THEN ${c} ` +
    `ELSE '{' || ${c} || '}' END`;
}

/**
 * SQL extracting one tag's value from the canonical `Tags` column. The key is matched without
 * regard to case or surrounding spaces, so variants are merged at query time.
 */
export function tagValueExpr(key: string, tagsColumn = '"Tags"'): string {
  const pattern = `(?i)"\\s*(?:user[:_]\\s*)?${reEscape(normaliseTagKey(key))}\\s*"\\s*:\\s*"([^"]*)"`;
  return `NULLIF(regexp_extract(${tagsColumn}, ${lit(pattern)}, 1), '')`;
}

/** SQL listing raw tag keys with their row counts (over a table with a canonical `Tags`). */
export function tagKeysSql(table: string): string {
  return `SELECT k, COUNT(*) AS n FROM (SELECT unnest(regexp_extract_all("Tags", '"([^"]+)"\\s*:', 1)) AS k ` +
    `FROM ${q(table)} WHERE "Tags" IS NOT NULL) GROUP BY k ORDER BY n DESC LIMIT 500`;
}

/** A tag key as the dataset describes it. */
export interface TagKey {
  key: string;
  /** Spellings seen in the data ("Team", "team", " team"). */
  variants: string[];
  rows: number;
}

/** Groups raw key counts into normalised keys with their variants, most used first. */
export function groupTagKeys(raw: { k: string; n: number }[], max = 100): TagKey[] {
  const by = new Map<string, TagKey>();
  for (const { k, n } of raw) {
    const key = normaliseTagKey(k);
    if (!key) continue;
    const t = by.get(key) ?? { key, variants: [], rows: 0 };
    if (!t.variants.includes(k)) t.variants.push(k);
    t.rows += n;
    by.set(key, t);
  }
  return [...by.values()].sort((a, b) => b.rows - a.rows).slice(0, max);
}
