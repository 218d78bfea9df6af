/**
 * SQL proposed by the LLM, accepted in three layers, each by structure rather than by keywords
 * in the raw text:
 * 1. what the statement *says*, read from DuckDB's own tokens (so words inside strings, quoted
 *    names and comments are never mistaken): one SELECT that names no other dataset's table, no
 *    catalog or system schema, no `DESCRIBE`/`SHOW`/`SUMMARIZE`/`PRAGMA`, no recursive CTE, no
 *    file or catalog table function, and generators (`range`, `generate_series`) and `repeat`-like
 *    functions only with small literal sizes. This layer sees reads the optimizer would remove
 *    (`WHERE false`, `LIMIT 0`), which the plan never shows;
 * 2. it must prepare as exactly one SELECT inside a subquery (the engine's guard);
 * 3. DuckDB's physical plan must read only the session's table and harmless generators.
 * The statement then runs under the engine's query budget (time, memory, result size).
 * @module
 */
import { type Engine, tableNames } from "../../analytics/engine.ts";
import { SecurityError } from "../../errors.ts";
import { unquote } from "../../analytics/sql.ts";

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

/** DuckDB's token types (duckdb-wasm `TokenType`). */
const TOKEN = { identifier: 0, number: 1, string: 2, operator: 3, keyword: 4, comment: 5 } as const;

/** Statements and clauses a read of the session's data never needs. */
const DENIED_WORDS = new Set(
  ("DESCRIBE SHOW SUMMARIZE PRAGMA RECURSIVE ATTACH DETACH COPY EXPORT IMPORT INSTALL LOAD SET RESET CALL " +
    "CREATE INSERT UPDATE DELETE DROP ALTER USE CHECKPOINT VACUUM EXPLAIN PREPARE EXECUTE DEALLOCATE TRUNCATE " +
    "GRANT REVOKE BEGIN COMMIT ROLLBACK").split(" "),
);

/** Schemas and catalogs outside the session's table. */
const DENIED_SCHEMAS = new Set(["store", "main", "temp", "system", "memory", "information_schema", "pg_catalog"]);

/** Table functions that read files, the catalog or settings. */
const DENIED_FUNCTIONS =
  /^(read_\w+|glob|sniff_csv|query|query_table|parquet_\w+|iceberg_\w+|delta_scan|sql_auto_complete|which_secret|test_all_types|summary|duckdb_\w+|pragma_\w+|sqlite_\w+|pg_\w+|current_setting|getenv)$/i;

/** Functions whose size argument allocates: literal sizes only, at most this many. */
const SIZED_FUNCTIONS: Record<string, number> = {
  range: 100_000,
  generate_series: 100_000,
  repeat: 100_000,
  repeat_row: 100_000,
  lpad: 100_000,
  rpad: 100_000,
  list_resize: 100_000,
  array_resize: 100_000,
};

interface Token {
  text: string;
  type: number;
}

/** The tokens of a statement as text, from DuckDB's offsets and types (comments dropped). */
export function tokenTexts(sql: string, tokens: { offsets: number[]; types: number[] }): Token[] {
  return tokens.offsets.map((start, i) => ({
    text: sql.slice(start, tokens.offsets[i + 1] ?? sql.length).trim(),
    type: tokens.types[i],
  })).filter((t) => t.type !== TOKEN.comment && t.text);
}

/** An identifier's name: unquoted, lower case. */
function identName(t: Token): string {
  return (t.text.startsWith('"') ? unquote(t.text) : t.text).toLowerCase();
}

/** The arguments of the call whose "(" is at `open`, as token lists. */
function callArguments(tokens: Token[], open: number): Token[][] {
  const args: Token[][] = [[]];
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.text === "(") depth++;
    if (t.text === ")" && --depth === 0) break;
    if (depth === 1 && t.text === ",") args.push([]);
    else if (!(depth === 1 && t.text === "(" && i === open)) args[args.length - 1].push(t);
  }
  return args;
}

/** The value of an argument that is one numeric literal (with an optional sign), or null. */
function literalNumber(arg: Token[]): number | null {
  const text = arg.map((t) => t.text).join("");
  return /^[-+]?\d+(\.\d+)?$/.test(text) ? Number(text) : null;
}

/** How many values a sized function's literal arguments ask for, or null when they are not literals. */
function requestedSize(name: string, args: Token[][]): number | null {
  const nums = args.map(literalNumber);
  if (name === "range" || name === "generate_series") {
    if (nums.some((n) => n === null)) return null;
    const [a, b, step] = nums.length === 1 ? [0, nums[0]!, 1] : [nums[0]!, nums[1]!, nums[2] ?? 1];
    return step === 0 ? Infinity : Math.abs((b - a) / step);
  }
  // repeat(x, n), lpad(s, n, c), list_resize(l, n): the size is the second argument.
  return nums[1] ?? null;
}

/**
 * Throws a {@link SecurityError} unless the tokens say: one query that reads only `billing`
 * (the session's data) and small generators. See the module text for the rules.
 */
export function assertStatementShape(tokens: Token[], ownTable: string): void {
  const first = tokens.find((t) => t.text !== "(");
  if (!first || !/^(SELECT|WITH|FROM|VALUES)$/i.test(first.text)) {
    throw new SecurityError("Only one read-only SELECT over the billing data is allowed.");
  }
  tokens.forEach((t, i) => {
    if (t.type === TOKEN.string || t.type === TOKEN.number) return;
    const bare = t.type === TOKEN.keyword || (t.type === TOKEN.identifier && !t.text.startsWith('"'));
    if (bare && DENIED_WORDS.has(t.text.toUpperCase())) {
      throw new SecurityError(`'${t.text.toUpperCase()}' is not allowed: only a SELECT over the billing data.`);
    }
    if (t.type !== TOKEN.identifier && t.type !== TOKEN.keyword) return;
    const name = identName(t);
    if (/^(billing|raw)_[0-9a-f]{8,}$/.test(name) && name !== ownTable.toLowerCase()) {
      throw new SecurityError("The query names a table outside this session's data.");
    }
    if (tokens[i + 1]?.text === "." && DENIED_SCHEMAS.has(name)) {
      throw new SecurityError(`The query reaches outside the billing data ('${name}.').`);
    }
    if (tokens[i + 1]?.text !== "(") {
      if (/^(duckdb_|pragma_|sqlite_|information_schema$|pg_catalog$)/.test(name)) {
        throw new SecurityError(`The query reads the catalog ('${name}'), not the billing data.`);
      }
      return;
    }
    if (DENIED_FUNCTIONS.test(name)) throw new SecurityError(`The function '${name}' is not allowed.`);
    const max = SIZED_FUNCTIONS[name];
    if (max !== undefined) {
      const size = requestedSize(name, callArguments(tokens, i + 1));
      const generator = name === "range" || name === "generate_series";
      if ((size === null && generator) || (size !== null && size > max)) {
        throw new SecurityError(
          `'${name}' may make at most ${max.toLocaleString("en-US")} values, with literal sizes.`,
        );
      }
    }
  });
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
  assertStatementShape(tokenTexts(sql, await engine.tokenize(datasetId, sql)), view);
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
