/**
 * SQL proposed by the LLM, accepted by structure rather than by keywords: it must prepare as
 * exactly one SELECT (the engine's guard), and DuckDB's own physical plan must show that it
 * reads only the session's table and a few harmless generators. Words like "delete" inside a
 * string or a column alias are therefore fine; `DELETE FROM`, `read_csv(...)`, another
 * session's table or `duckdb_tables()` are not.
 * @module
 */
import { type Engine, tableNames } from "../../analytics/engine.ts";
import { SecurityError } from "../../errors.ts";

/** Most rows a model's query returns (the model sees 40; the user's table shows the rest). */
export const MAX_LLM_ROWS = 5000;

/** The name the LLM is told the session's data has. */
export const LLM_TABLE = "billing";

/** Table functions a plan may contain: generators that read nothing. */
const SAFE_FUNCTIONS = new Set(["RANGE", "GENERATE_SERIES", "UNNEST", "UNNEST_FUNCTION"]);

/**
 * Wraps the model's SQL so that `billing` names the session's canonical view. The model's text
 * stays one unit inside a subquery, with its own CTEs and ORDER BY.
 *
 * @example
 * wrapForSession("SELECT 1", "billing_ab12cd34")
 * // → 'WITH billing AS (SELECT * FROM "billing_ab12cd34")\nSELECT * FROM (\nSELECT 1\n) AS answer LIMIT 5000'
 */
export function wrapForSession(sql: string, view: string): string {
  const body = sql.trim().replace(/(;\s*)+$/, "");
  return `WITH ${LLM_TABLE} AS (SELECT * FROM "${view}")\nSELECT * FROM (\n${body}\n) AS answer LIMIT ${MAX_LLM_ROWS}`;
}

/** What a plan reads: base tables and table functions. */
export interface PlanReads {
  tables: string[];
  functions: string[];
}

/** Collects the tables and table functions of a DuckDB `EXPLAIN (FORMAT JSON)` tree. */
export function planReads(tree: unknown): PlanReads {
  const out: PlanReads = { tables: [], functions: [] };
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== "object") return;
    const n = node as { name?: string; extra_info?: Record<string, unknown>; children?: unknown[] };
    const info = n.extra_info ?? {};
    if (typeof info.Table === "string") out.tables.push(info.Table);
    if (typeof info.Function === "string") out.functions.push(info.Function.trim().toUpperCase());
    walk(n.children ?? []);
  };
  walk(tree);
  return out;
}

/**
 * Throws a {@link SecurityError} unless the plan reads only `allowed` tables and safe generators.
 *
 * @example
 * assertReadsOnly({ tables: ["raw_ab"], functions: [] }, ["raw_ab"]) // ok
 * assertReadsOnly({ tables: [], functions: ["READ_CSV"] }, ["raw_ab"]) // throws
 */
export function assertReadsOnly(reads: PlanReads, allowed: string[]): void {
  const foreign = reads.tables.filter((t) => !allowed.includes(t));
  if (foreign.length) throw new SecurityError(`The query reads tables outside this session's data (${foreign[0]}).`);
  const fns = reads.functions.filter((f) => !SAFE_FUNCTIONS.has(f));
  if (fns.length) throw new SecurityError(`The query calls a table function that is not allowed (${fns[0]}).`);
}

/**
 * Whether the text starts like a query and holds one statement. Used only to word the refusal
 * (the refusal itself comes from DuckDB's parser and plan), never to let something through.
 */
export function looksLikeQuery(sql: string): boolean {
  const t = sql.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, " ").trim().replace(/(;\s*)+$/, "");
  return /^(\(|select\b|with\b|from\b|values\b)/i.test(t) && !/;\s*\S/.test(t.replace(/'(?:[^']|'')*'/g, "''"));
}

/**
 * Checks a proposed SELECT against the session's dataset and returns the SQL to run. Parse and
 * binder errors come back as {@link EngineError}s (for a repair round); anything that is not a
 * single read of the session's own data as a {@link SecurityError}.
 */
export async function guardSql(engine: Engine, datasetId: string, sql: string): Promise<string> {
  if (sql.length > 20_000) throw new SecurityError("The query is too long.");
  // The canonical table is the only one a session's dataset keeps (the raw load is dropped).
  const { view } = tableNames(datasetId);
  const wrapped = wrapForSession(sql, view);
  const tree = await engine.explain(datasetId, wrapped).catch((e) => {
    // The engine refused to prepare it: a statement that is not a query is an attack or a
    // mistake we do not repair; a typo or a wrong column is repairable.
    const msg = (e as Error).message;
    if (/Only one read-only SELECT/.test(msg) && !looksLikeQuery(sql)) {
      throw new SecurityError("Only one read-only SELECT over the billing data is allowed.");
    }
    // DuckDB binds file readers before planning: its refusal (external access is off) or a
    // path taken for a table name means the query reached for a file.
    if (/Permission Error|disabled by configuration|Table with name \S*[\\/]\S* does not exist/.test(msg)) {
      throw new SecurityError("The query tries to read files; only the billing data may be queried.");
    }
    throw e;
  });
  assertReadsOnly(planReads(tree), [view]);
  return wrapped;
}
