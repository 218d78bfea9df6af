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
import { lit, q, unquote } from "../analytics/sql.ts";
import { tagValueExpr } from "../analytics/tags.ts";
import {
  columnResolver,
  type FocusField,
  isPlainColumn,
  METRICS,
  metricSql,
  missingFor,
  scopeSql,
  VIRTUAL_DIMENSIONS,
} from "../analytics/metric_layer.ts";
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
  /** Value columns of the metric layer, in order, when the plan names measures. */
  metricColumns?: string[];
  /** Identifying columns shown beside a name: `SubAccountName` → `SubAccountId`, `ProviderName`. */
  details?: Record<string, string[]>;
  /** The time column dates come from (`ChargePeriodStart` or `BillingPeriodStart`). */
  periodColumn: string;
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
  if (meta.canonical.includes("Tags")) {
    for (const t of meta.tags ?? []) s.add(TAG_PREFIX + t.key);
    s.add("@tagged");
  }
  return s;
}

/** SQL expression of a plan column (a tag becomes its extraction from `Tags`). */
function column(name: string, known: Set<string>): string {
  if (!known.has(name)) throw new ValidationError(`Unknown column '${name}'.`, 422);
  if (name === "@tagged") return VIRTUAL_DIMENSIONS["@tagged"].sql(() => q("Tags"));
  return name.startsWith(TAG_PREFIX) ? tagValueExpr(name.slice(TAG_PREFIX.length)) : q(name);
}

/** A dimension in a SELECT list: tags and virtual dimensions get their plan name as alias. */
function selectDim(name: string, known: Set<string>): string {
  const e = column(name, known);
  return name.startsWith(TAG_PREFIX) || name.startsWith("@") ? `${e} AS ${q(name)}` : e;
}

/**
 * The period column of a plan: the charge period, or the billing period when asked for
 * ("per billing period", "invoiced in March") and the data has one.
 */
export function periodColumn(plan: QueryPlan, meta: DatasetMeta): string {
  if (plan.period !== "billing") return "ChargePeriodStart";
  const col = columnResolver(meta)("BillingPeriodStart");
  if (!isPlainColumn(col)) {
    throw new ValidationError("This data has no billing period column (BillingPeriodStart).", 422);
  }
  return unquote(col);
}

/**
 * Names whose values can repeat across IDs: grouped by ID too, with the provider, so that three
 * accounts called "Atlas Orion" stay three lines.
 */
function identityDetails(groupBy: string[], meta: DatasetMeta): Record<string, string[]> {
  const resolve = columnResolver(meta);
  const out: Record<string, string[]> = {};
  const pairs: [string, FocusField][] = [["SubAccountName", "SubAccountId"], [
    "BillingAccountName",
    "BillingAccountId",
  ]];
  for (const [name, id] of pairs) {
    const idCol = resolve(id);
    if (!groupBy.includes(name) || !isPlainColumn(idCol)) continue;
    const idName = unquote(idCol);
    if (idName === name) continue;
    out[name] = [idName];
    if (meta.canonical.includes("ProviderName") && !groupBy.includes("ProviderName")) out[name].push("ProviderName");
  }
  return out;
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

/** SQL condition of a half-open date range on `ChargePeriodStart` (or another period column). */
export function rangeCond(r: TimeRange, periodCol = "ChargePeriodStart"): string {
  const c = periodSql(periodCol);
  return `${c} >= TIMESTAMP ${lit(r.start)} AND ${c} < TIMESTAMP ${lit(r.end)}`;
}

/**
 * A period column as a timestamp: `ChargePeriodStart` is one already; a file's own period
 * column (`BillingPeriodStart` read as text) is cast.
 */
function periodSql(periodCol: string): string {
  return periodCol === "ChargePeriodStart" ? q(periodCol) : `TRY_CAST(${q(periodCol)} AS TIMESTAMP)`;
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
  if (plan.time.range) where.push(rangeCond(plan.time.range, periodColumn(plan, meta)));
  const resolve = columnResolver(meta);
  for (const scope of plan.scopes ?? []) where.push(`(${scopeSql(scope, resolve)})`);
  return where;
}

/** Throws a 422 naming the columns a plan's measures and filters need that the data lacks. */
export function assertMetricColumns(plan: QueryPlan, meta: DatasetMeta): void {
  const missing = missingFor(columnResolver(meta), plan.basis, plan.metrics, plan.scopes);
  if (missing.length) {
    throw new ValidationError(
      `This data has no ${missing.join(", ")} column${missing.length > 1 ? "s" : ""}, which ${
        missing.length > 1 ? "are" : "is"
      } needed for that.`,
      422,
    );
  }
}

/** What every shape of query shares: the table, conditions, dimensions and measure. */
interface Frame {
  plan: QueryPlan;
  meta: DatasetMeta;
  known: Set<string>;
  view: string;
  where: string[];
  byCurrency: boolean;
  dims: string[];
  dimSql: string[];
  dimSel: string[];
  /** Identifying columns selected after the values and grouped by (see `identityDetails`). */
  detailSql: string[];
  value: string;
  measure: string;
  period: string;
  details: Record<string, string[]>;
}

function frame(plan: QueryPlan, meta: DatasetMeta): Frame {
  const known = knownColumns(meta);
  if (!meta.canonical.includes(BASIS_COLUMN[plan.basis] as CanonicalColumn)) {
    throw new ValidationError(`This data has no ${plan.basis} cost.`, 422);
  }
  assertMetricColumns(plan, meta);
  const currencyFiltered = plan.filters.some((f) =>
    f.column === "BillingCurrency" && f.op === "in" && f.values.length === 1
  );
  const byCurrency = meta.currencies.length > 1 && meta.canonical.includes("BillingCurrency") && !currencyFiltered &&
    !plan.groupBy.includes("BillingCurrency");
  const details = identityDetails(plan.groupBy, meta);
  const dims = [...(byCurrency ? ["BillingCurrency"] : []), ...plan.groupBy];
  // Identifying columns come after the values, so a row still reads name, value.
  const detailCols = [...new Set(Object.values(details).flat())].filter((d) => !dims.includes(d));
  return {
    plan,
    meta,
    known,
    view: q(tableNames(meta.id).view),
    where: planConditions(plan, meta),
    byCurrency,
    dims,
    dimSql: dims.map((d) => column(d, known)),
    dimSel: dims.map((d) => selectDim(d, known)),
    detailSql: detailCols.map((d) => q(d)),
    value: valueName(plan),
    measure: measureExpr(plan, meta),
    period: periodColumn(plan, meta),
    details,
  };
}

const whereSql = (conds: string[]) => conds.length ? ` WHERE ${conds.join(" AND ")}` : "";

/** Compiles a plan for a dataset. */
export function compilePlan(plan: QueryPlan, meta: DatasetMeta): CompiledQuery {
  const f = frame(plan, meta);
  const base = { dimensions: f.dims, byCurrency: f.byCurrency, details: f.details, periodColumn: f.period };
  if (plan.compare) return { ...base, ...compareSql(f, plan.compare.a, plan.compare.b) };
  if (plan.metrics?.length) return { ...base, ...metricsSql(f, plan.metrics) };
  if (plan.time.grain) return { ...base, ...trendSql(f, plan.time.grain) };
  if (plan.share && !plan.groupBy.length && plan.filters.length) return { ...base, ...shareOfTotalSql(f) };
  if (f.dims.length) return { ...base, ...breakdownSql(f) };
  return { ...base, ...totalSql(f) };
}

type Shape = Pick<CompiledQuery, "sql" | "valueColumn" | "timeColumn" | "metricColumns">;

function compareSql(f: Frame, a: TimeRange, b: TimeRange): Shape {
  const { plan } = f;
  const start = a.start < b.start ? a.start : b.start;
  const end = a.end > b.end ? a.end : b.end;
  const inner = f.measure.replace(/^SUM\((.*)\)$/, "$1");
  const agg = (r: TimeRange) =>
    plan.measure === "cost" || plan.measure === "quantity"
      ? `COALESCE(SUM(${inner}) FILTER (WHERE ${rangeCond(r, f.period)}), 0)`
      : `${f.measure} FILTER (WHERE ${rangeCond(r, f.period)})`;
  const cols = [
    ...f.dimSel,
    `${agg(a)} AS ${q(a.label)}`,
    `${agg(b)} AS ${q(b.label)}`,
    `${agg(b)} - ${agg(a)} AS "change"`,
    `CASE WHEN ${agg(a)} <> 0 THEN (${agg(b)} - ${agg(a)}) / ABS(${agg(a)}) * 100 END AS "change_pct"`,
    ...f.detailSql,
  ];
  const where = [...f.where, rangeCond({ start, end, label: "" }, f.period)];
  const sql = `SELECT ${cols.join(", ")} FROM ${f.view}${whereSql(where)}` +
    (f.dims.length ? ` GROUP BY ${[...f.dimSql, ...f.detailSql].join(", ")} ORDER BY ABS("change") DESC` : "") +
    (f.dims.length ? ` LIMIT ${plan.topN ?? MAX_GROUP_ROWS}` : "");
  return { sql, valueColumn: "change", timeColumn: null };
}

function trendSql(f: Frame, grain: string): Shape {
  const { plan } = f;
  const t = `CAST(date_trunc(${lit(grain)}, ${periodSql(f.period)}) AS DATE)`;
  const cols = [`${t} AS ${q(grain)}`, ...f.dimSel, `${f.measure} AS ${q(f.value)}`, ...f.detailSql];
  const where = [...f.where, `${periodSql(f.period)} IS NOT NULL`];
  const keys = [t, ...f.dimSql, ...f.detailSql];
  let sql = `SELECT ${cols.join(", ")} FROM ${f.view}${whereSql(where)}` +
    ` GROUP BY ${keys.join(", ")} ORDER BY ${q(grain)}` +
    (f.dims.length ? `, ${q(f.value)} DESC` : "");
  if (plan.topN && f.dims.length) {
    // Top N series over the whole period, then their values per period. Keys are compared
    // null-safely: a series whose region is not set is a series too.
    const key = [...f.dimSql, ...f.detailSql].map((d) => `COALESCE(CAST(${d} AS VARCHAR), chr(1))`).join(", ");
    const topDims = `SELECT ${key} FROM ${f.view}${whereSql(where)} GROUP BY ${
      [...f.dimSql, ...f.detailSql].join(", ")
    } ORDER BY ${f.measure} ${plan.order === "asc" ? "ASC" : "DESC"} LIMIT ${plan.topN}`;
    sql = `SELECT ${cols.join(", ")} FROM ${f.view}${whereSql([...where, `(${key}) IN (${topDims})`])}` +
      ` GROUP BY ${keys.join(", ")} ORDER BY ${q(grain)}, ${q(f.value)} DESC`;
  }
  return { sql, valueColumn: f.value, timeColumn: grain };
}

/** Several named measures side by side, per period and dimension when asked. */
function metricsSql(f: Frame, metrics: readonly (keyof typeof METRICS)[]): Shape {
  const { plan, meta } = f;
  const resolve = columnResolver(meta);
  const grain = plan.time.grain;
  const t = grain ? `CAST(date_trunc(${lit(grain)}, ${periodSql(f.period)}) AS DATE)` : null;
  const values = metrics.map((m) => `${metricSql(m, resolve, plan.basis)} AS ${q(m)}`);
  const cols = [...(t ? [`${t} AS ${q(grain!)}`] : []), ...f.dimSel, ...values, ...f.detailSql];
  const keys = [...(t ? [t] : []), ...f.dimSql, ...f.detailSql];
  const order = [
    ...(grain ? [q(grain)] : []),
    ...(f.byCurrency ? [`"BillingCurrency"`] : []),
    `${q(metrics[0])} ${plan.order === "asc" ? "ASC" : "DESC"} NULLS LAST`,
  ];
  // A ratio with no denominator (a service with no list cost has no savings rate) says nothing: left out.
  const ratio = (METRICS[metrics[0]] as { kind: string }).kind === "pct" && keys.length;
  const sql = `SELECT ${cols.join(", ")} FROM ${f.view}${whereSql(f.where)}` +
    (keys.length ? ` GROUP BY ${keys.join(", ")}` : "") +
    (ratio ? ` HAVING ${metricSql(metrics[0], resolve, plan.basis)} IS NOT NULL` : "") +
    (keys.length ? ` ORDER BY ${order.join(", ")}` : "") +
    (f.dims.length ? ` LIMIT ${plan.topN ?? MAX_GROUP_ROWS}` : "");
  return { sql, valueColumn: metrics[0], timeColumn: grain, metricColumns: [...metrics] };
}

/** A filtered figure and its share of the unfiltered total of the same period. */
function shareOfTotalSql(f: Frame): Shape {
  const inner = f.measure.replace(/^SUM\((.*)\)$/, "$1");
  const filterConds = planConditions({ ...f.plan, time: { range: null, grain: null }, scopes: [] }, f.meta);
  const periodConds = f.plan.time.range ? [rangeCond(f.plan.time.range, f.period)] : [];
  const part = `COALESCE(SUM(${inner}) FILTER (WHERE ${filterConds.join(" AND ")}), 0)`;
  const cols = [
    ...(f.byCurrency ? [`"BillingCurrency"`] : []),
    `${part} AS ${q(f.value)}`,
    `SUM(${inner}) AS "total"`,
    `${part} * 100.0 / NULLIF(SUM(${inner}), 0) AS "share_pct"`,
  ];
  const sql = `SELECT ${cols.join(", ")} FROM ${f.view}${whereSql(periodConds)}` +
    (f.byCurrency ? ` GROUP BY "BillingCurrency" ORDER BY "BillingCurrency"` : "");
  return { sql, valueColumn: f.value, timeColumn: null };
}

function breakdownSql(f: Frame): Shape {
  const { plan } = f;
  const cols = [...f.dimSel, `${f.measure} AS ${q(f.value)}`];
  if (plan.share) {
    cols.push(
      `${f.measure} * 100.0 / NULLIF(SUM(${f.measure}) OVER (${
        f.byCurrency ? `PARTITION BY "BillingCurrency"` : ""
      }), 0) AS "share_pct"`,
    );
  }
  cols.push(...f.detailSql);
  const groupKeys = [...f.dimSql, ...f.detailSql].join(", ");
  const order = `${q(f.value)} ${plan.order === "asc" ? "ASC" : "DESC"} NULLS LAST`;
  const ranked = plan.order === "asc" && plan.topN && plan.groupBy.length;
  if (!ranked) {
    const sql = `SELECT ${cols.join(", ")} FROM ${f.view}${whereSql(f.where)}` +
      ` GROUP BY ${groupKeys} ORDER BY ${f.byCurrency ? `"BillingCurrency", ` : ""}${order}` +
      ` LIMIT ${plan.topN ?? MAX_GROUP_ROWS}`;
    return { sql, valueColumn: f.value, timeColumn: null };
  }
  // Bottom N ranks real values; charges without a value ("(not set)") are listed apart, after them.
  const first = column(plan.groupBy[0], f.known);
  const set = `SELECT ${cols.join(", ")} FROM ${f.view}${whereSql([...f.where, `${first} IS NOT NULL`])}` +
    ` GROUP BY ${groupKeys} ORDER BY ${order} LIMIT ${plan.topN}`;
  const unset = `SELECT ${cols.join(", ")} FROM ${f.view}${whereSql([...f.where, `${first} IS NULL`])}` +
    ` GROUP BY ${groupKeys}`;
  const sql = `SELECT * FROM (SELECT * FROM (${set}) UNION ALL SELECT * FROM (${unset}))` +
    ` ORDER BY ${q(plan.groupBy[0])} IS NULL, ${order}`;
  return { sql, valueColumn: f.value, timeColumn: null };
}

function totalSql(f: Frame): Shape {
  const { plan } = f;
  const cols = [
    `${f.measure} AS ${q(f.value)}`,
    `COUNT(*) AS "line_items"`,
    `CAST(MIN("ChargePeriodStart") AS DATE) AS "first_day"`,
    `CAST(MAX("ChargePeriodStart") AS DATE) AS "last_day"`,
  ];
  if (plan.measure === "avg_daily_cost") {
    cols.splice(1, 0, `COUNT(DISTINCT CAST("ChargePeriodStart" AS DATE)) AS "days"`);
  }
  if (plan.measure === "rows") cols.splice(1, 1);
  return {
    sql: `SELECT ${cols.join(", ")} FROM ${f.view}${whereSql(f.where)}`,
    valueColumn: f.value,
    timeColumn: null,
  };
}
