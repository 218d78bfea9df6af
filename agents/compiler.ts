/**
 * The compiler: a {@link QueryPlan} → one SELECT over the dataset's canonical table.
 * Identifiers come only from the dataset's known columns; literals are escaped. The SQL
 * returned is exactly the SQL that runs.
 *
 * @example
 * compilePlan({measure: "cost", basis: "billed", groupBy: ["ServiceName"], topN: 3, ...}, meta)
 * // → {sql: 'SELECT "ServiceName", SUM("BilledCost") AS "billed_cost" FROM "billing_…" … LIMIT 3', ...}
 * @module
 */
import { BASIS_COLUMN, type CanonicalColumn, type DatasetMeta } from "../analytics/dataset.ts";
import { tableNames } from "../analytics/engine.ts";
import { lit, q } from "../analytics/schema.ts";
import { tagValueExpr } from "../analytics/tags.ts";
import { ValidationError } from "../errors.ts";
import type { QueryPlan, TimeRange } from "./types.ts";

/** The compiled query and what its columns mean. */
export interface CompiledQuery {
  sql: string;
  /** Name of the main value column in the result. */
  valueColumn: string;
  /** Dimension columns in the result (in order). */
  dimensions: string[];
  /** Time column, when the plan has a grain. */
  timeColumn: string | null;
  /** Whether results were split by currency (more than one currency in scope). */
  byCurrency: boolean;
}

/** Maximum rows a breakdown returns when no top-N is asked for. */
export const MAX_GROUP_ROWS = 200;

/** Prefix of plan columns that name a tag key: `tag:team`. */
export const TAG_PREFIX = "tag:";

/** Columns of the canonical table a plan may name: canonical ones, the file's own, and tags. */
export function knownColumns(meta: DatasetMeta): Set<string> {
  const s = new Set<string>(meta.canonical);
  for (const c of meta.columns) {
    if (!meta.canonical.some((k) => k.toLowerCase() === c.name.toLowerCase())) s.add(c.name);
  }
  if (meta.canonical.includes("Tags")) { for (const t of meta.tags ?? []) s.add(TAG_PREFIX + t.key); }
  return s;
}

/** SQL expression of a plan column (a tag becomes its extraction from `Tags`). */
function column(name: string, known: Set<string>): string {
  if (!known.has(name)) throw new ValidationError(`Unknown column '${name}'.`, 422);
  return name.startsWith(TAG_PREFIX) ? tagValueExpr(name.slice(TAG_PREFIX.length)) : q(name);
}

/** A dimension in a SELECT list: tags get their plan name as alias. */
function selectDim(name: string, known: Set<string>): string {
  const e = column(name, known);
  return name.startsWith(TAG_PREFIX) ? `${e} AS ${q(name)}` : e;
}

/** Result column name of a plan's measure, e.g. `effective_cost`. */
export function valueName(plan: QueryPlan): string {
  switch (plan.measure) {
    case "cost":
      return `${plan.basis}_cost`;
    case "avg_daily_cost":
      return `avg_daily_${plan.basis}_cost`;
    case "quantity":
      return "usage_quantity";
    case "rows":
      return "line_items";
    case "resources":
      return "resources";
  }
}

function measureExpr(plan: QueryPlan, meta: DatasetMeta): string {
  const cost = q(BASIS_COLUMN[plan.basis]);
  switch (plan.measure) {
    case "cost":
      return `SUM(${cost})`;
    case "avg_daily_cost":
      return `SUM(${cost}) / NULLIF(COUNT(DISTINCT CAST("ChargePeriodStart" AS DATE)), 0)`;
    case "quantity":
      if (!meta.canonical.includes("PricingQuantity")) {
        throw new ValidationError("This data has no usage quantity.", 422);
      }
      return `SUM("PricingQuantity")`;
    case "rows":
      return "COUNT(*)";
    case "resources":
      if (!meta.canonical.includes("ResourceId")) throw new ValidationError("This data has no resource ids.", 422);
      return `COUNT(DISTINCT "ResourceId")`;
  }
}

/** SQL condition of a half-open date range on `ChargePeriodStart`. */
export function rangeCond(r: TimeRange): string {
  return `"ChargePeriodStart" >= TIMESTAMP ${lit(r.start)} AND "ChargePeriodStart" < TIMESTAMP ${lit(r.end)}`;
}

function isoDate(s: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) throw new ValidationError(`Bad date '${s}'.`, 422);
  return s;
}

/**
 * WHERE conditions of a plan's filters and time range (not its compared periods), SQL-safe:
 * identifiers come from the dataset's known columns, values are escaped literals.
 */
export function planConditions(plan: QueryPlan, meta: DatasetMeta): string[] {
  const known = knownColumns(meta);
  const where: string[] = [];
  for (const f of plan.filters) {
    const col = column(f.column, known);
    if (!f.values.length) continue;
    const list = f.values.map((v) => lit(String(v))).join(", ");
    where.push(f.op === "in" ? `${col} IN (${list})` : `(${col} NOT IN (${list}) OR ${col} IS NULL)`);
  }
  for (const r of [plan.time.range, plan.compare?.a, plan.compare?.b]) {
    if (r) {
      isoDate(r.start);
      isoDate(r.end);
    }
  }
  if (plan.time.range) where.push(rangeCond(plan.time.range));
  return where;
}

/** Compiles a plan for a dataset. */
export function compilePlan(plan: QueryPlan, meta: DatasetMeta): CompiledQuery {
  const known = knownColumns(meta);
  const view = q(tableNames(meta.id).view);
  if (!meta.canonical.includes(BASIS_COLUMN[plan.basis] as CanonicalColumn)) {
    throw new ValidationError(`This data has no ${plan.basis} cost.`, 422);
  }
  const where = planConditions(plan, meta);

  const currencyFiltered = plan.filters.some((f) =>
    f.column === "BillingCurrency" && f.op === "in" && f.values.length === 1
  );
  const byCurrency = meta.currencies.length > 1 && meta.canonical.includes("BillingCurrency") && !currencyFiltered &&
    !plan.groupBy.includes("BillingCurrency");
  const dims = [...(byCurrency ? ["BillingCurrency"] : []), ...plan.groupBy];
  const dimSql = dims.map((d) => column(d, known));
  const dimSel = dims.map((d) => selectDim(d, known));
  const value = valueName(plan);
  const m = measureExpr(plan, meta);

  let sql: string;
  let timeColumn: string | null = null;
  let valueColumn = value;
  if (plan.compare) {
    const { a, b } = plan.compare;
    const start = a.start < b.start ? a.start : b.start;
    const end = a.end > b.end ? a.end : b.end;
    const inner = m.replace(/^SUM\((.*)\)$/, "$1");
    const agg = (r: TimeRange) =>
      plan.measure === "cost" || plan.measure === "quantity"
        ? `COALESCE(SUM(${inner}) FILTER (WHERE ${rangeCond(r)}), 0)`
        : `${m} FILTER (WHERE ${rangeCond(r)})`;
    const cols = [
      ...dimSel,
      `${agg(a)} AS ${q(a.label)}`,
      `${agg(b)} AS ${q(b.label)}`,
      `${agg(b)} - ${agg(a)} AS "change"`,
      `CASE WHEN ${agg(a)} <> 0 THEN (${agg(b)} - ${agg(a)}) / ABS(${agg(a)}) * 100 END AS "change_pct"`,
    ];
    where.push(`"ChargePeriodStart" >= TIMESTAMP ${lit(start)} AND "ChargePeriodStart" < TIMESTAMP ${lit(end)}`);
    valueColumn = "change";
    sql = `SELECT ${cols.join(", ")} FROM ${view}${where.length ? ` WHERE ${where.join(" AND ")}` : ""}` +
      (dims.length ? ` GROUP BY ${dimSql.join(", ")} ORDER BY ABS("change") DESC` : "") +
      (dims.length ? ` LIMIT ${plan.topN ?? MAX_GROUP_ROWS}` : "");
  } else if (plan.time.grain) {
    timeColumn = plan.time.grain;
    const t = `CAST(date_trunc(${lit(plan.time.grain)}, "ChargePeriodStart") AS DATE)`;
    const cols = [`${t} AS ${q(timeColumn)}`, ...dimSel, `${m} AS ${q(value)}`];
    where.push(`"ChargePeriodStart" IS NOT NULL`);
    sql = `SELECT ${cols.join(", ")} FROM ${view} WHERE ${where.join(" AND ")}` +
      ` GROUP BY ${[t, ...dimSql].join(", ")} ORDER BY ${q(timeColumn)}` +
      (dims.length ? `, ${q(value)} DESC` : "");
    if (plan.topN && dims.length) {
      // Top N series over the whole period, then their values per period. Keys are compared
      // null-safely: a series whose region is not set is a series too.
      const key = dimSql.map((d) => `COALESCE(CAST(${d} AS VARCHAR), chr(1))`).join(", ");
      const topDims = `SELECT ${key} FROM ${view} WHERE ${where.join(" AND ")} GROUP BY ${
        dimSql.join(", ")
      } ORDER BY ${m} ${plan.order === "asc" ? "ASC" : "DESC"} LIMIT ${plan.topN}`;
      sql = `SELECT ${cols.join(", ")} FROM ${view} WHERE ${where.join(" AND ")} AND (${key}) IN (${topDims})` +
        ` GROUP BY ${[t, ...dimSql].join(", ")} ORDER BY ${q(timeColumn)}, ${q(value)} DESC`;
    }
  } else if (dims.length) {
    const cols = [...dimSel, `${m} AS ${q(value)}`];
    if (plan.share) {
      cols.push(
        `${m} * 100.0 / NULLIF(SUM(${m}) OVER (${
          byCurrency ? `PARTITION BY "BillingCurrency"` : ""
        }), 0) AS "share_pct"`,
      );
    }
    const order = `${q(value)} ${plan.order === "asc" ? "ASC" : "DESC"} NULLS LAST`;
    sql = `SELECT ${cols.join(", ")} FROM ${view}${where.length ? ` WHERE ${where.join(" AND ")}` : ""}` +
      ` GROUP BY ${dimSql.join(", ")} ORDER BY ${byCurrency ? `"BillingCurrency", ` : ""}${order}` +
      ` LIMIT ${plan.topN ?? MAX_GROUP_ROWS}`;
  } else {
    const cols = [
      `${m} AS ${q(value)}`,
      `COUNT(*) AS "line_items"`,
      `CAST(MIN("ChargePeriodStart") AS DATE) AS "first_day"`,
      `CAST(MAX("ChargePeriodStart") AS DATE) AS "last_day"`,
    ];
    if (plan.measure === "avg_daily_cost") {
      cols.splice(1, 0, `COUNT(DISTINCT CAST("ChargePeriodStart" AS DATE)) AS "days"`);
    }
    if (plan.measure === "rows") cols.splice(1, 1);
    sql = `SELECT ${cols.join(", ")} FROM ${view}${where.length ? ` WHERE ${where.join(" AND ")}` : ""}`;
  }
  return { sql, valueColumn, dimensions: dims, timeColumn, byCurrency };
}
