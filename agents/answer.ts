/**
 * Answer text from a plan and its result rows. Every number in the text is read from the
 * result; nothing is computed here that the SQL did not return, except rounding.
 * @module
 */
import type { ResultSet } from "../analytics/arrow_json.ts";
import type { DatasetMeta } from "../analytics/dataset.ts";
import { BASIS_COLUMN } from "../analytics/dataset.ts";
import type { CompiledQuery } from "./compiler.ts";
import { formatDelta, formatMoney, formatNumber, formatPct } from "./format.ts";
import { describeRange } from "./time.ts";
import type { QueryPlan } from "./types.ts";
import { COLUMN_LABELS } from "./vocabulary.ts";
import { headerWords } from "./signals.ts";
import {
  columnResolver,
  type MetricDef,
  metricDefinition,
  type MetricId,
  METRICS,
  SCOPES,
} from "../analytics/metric_layer.ts";

const BASIS_LABEL = {
  billed: "Billed cost",
  effective: "Effective (amortized) cost",
  list: "List cost",
} as const;

const MONTH_ABBR = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * Labels a period start for its grain: `2025-03-01` → `Mar 2025` (month), `2025 Q1` (quarter).
 *
 * @example
 * periodLabel("2025-04-01", "quarter") // → "2025 Q2"
 */
export function periodLabel(date: unknown, grain: string): string {
  const s = String(date);
  const m = s.match(/^(\d{4})-(\d{2})-(\d{2})/);
  if (!m) return s;
  const [y, mo] = [m[1], Number(m[2])];
  if (grain === "month") return `${MONTH_ABBR[mo - 1]} ${y}`;
  if (grain === "quarter") return `${y} Q${Math.floor((mo - 1) / 3) + 1}`;
  if (grain === "year") return y;
  if (grain === "week") return `week of ${s.slice(0, 10)}`;
  return s.slice(0, 10);
}

/** Human label of a column: `ServiceName` → "service", `tag:team` → "team tag". */
export function columnLabel(c: string): string {
  if (c.startsWith("tag:")) return `${c.slice(4)} tag`;
  if (c === "@tagged") return "tagging";
  return COLUMN_LABELS[c] ?? headerWords(c);
}

/** Label of a plan's measure: "Effective (amortized) cost". */
export function measureLabel(plan: QueryPlan): string {
  switch (plan.measure) {
    case "cost":
      return BASIS_LABEL[plan.basis];
    case "avg_daily_cost":
      return `Average daily ${BASIS_LABEL[plan.basis].toLowerCase()}`;
    case "quantity":
      return "Usage quantity";
    case "rows":
      return "Line items";
    case "resources":
      return "Distinct resources";
  }
}

/** The scope of a plan in words: " for Amazon EC2 in May 2025". */
export function scopeText(plan: QueryPlan, meta: DatasetMeta, allData = true): string {
  const parts: string[] = [];
  for (const f of plan.filters) {
    const vals = f.values.join(", ");
    const what = f.column.startsWith("tag:") ? `${f.column.slice(4)}=` : "";
    parts.push(f.op === "in" ? `for ${what}${vals}` : `excluding ${columnLabel(f.column)} ${vals}`);
  }
  if (plan.time.range) parts.push(`in ${describeRange(plan.time.range)}`);
  else if (allData && !plan.compare && meta.dateRange) {
    parts.push(`over all data (${meta.dateRange.start} to ${meta.dateRange.end})`);
  }
  return parts.length ? " " + parts.join(" ") : "";
}

function rowObjects(rs: ResultSet): Record<string, unknown>[] {
  return rs.rows.map((r) => Object.fromEntries(rs.columns.map((c, i) => [c.name, r[i]])));
}

/** Whether a plan's measure is money (cost, or average daily cost). */
export function isMoney(plan: QueryPlan): boolean {
  return plan.measure === "cost" || plan.measure === "avg_daily_cost";
}

/** Renders the answer text (Markdown) for a plan's result. */
export function renderAnswer(
  plan: QueryPlan,
  compiled: CompiledQuery,
  rs: ResultSet,
  meta: DatasetMeta,
  notes: string[] = [],
): string {
  const rows = rowObjects(rs);
  const cur = (row?: Record<string, unknown>) =>
    (row && compiled.byCurrency ? String(row.BillingCurrency ?? "") || null : meta.currency) ??
      (plan.filters.find((f) => f.column === "BillingCurrency" && f.op === "in")?.values[0] ?? null);
  // A sum over rows whose cost is blank (OCI writes free lines that way) is said as such, not "n/a".
  const fmt = (v: unknown, row?: Record<string, unknown>) =>
    v === null || v === undefined
      ? (isMoney(plan) ? "no cost (left blank in the data)" : "none")
      : isMoney(plan)
      ? formatMoney(Number(v), cur(row))
      : formatNumber(Number(v));
  const label = measureLabel(plan);
  const scope = scopeText(plan, meta);
  const lines: string[] = [];
  const dimOf = (row: Record<string, unknown>) => dimensionText(plan, compiled, row);

  if (compiled.metricColumns?.length && rows.length) {
    lines.push(...metricLines(plan, compiled, rows, meta, scope, cur));
  } else if (rows.length === 1 && "total" in rows[0] && "share_pct" in rows[0] && !plan.groupBy.length) {
    lines.push(...shareOfTotalLines(plan, compiled, rows, label, scope, fmt));
  } else if (
    rows.length === 0 ||
    (rows.length === 1 && Object.values(rows[0]).every((v) => v === null || v === 0) && plan.time.range)
  ) {
    lines.push(
      `No matching charges${scope}. The data covers ${meta.dateRange?.start ?? "?"} to ${meta.dateRange?.end ?? "?"}.`,
    );
  } else if (plan.compare) {
    const { a, b } = plan.compare;
    const head = `${label}${scope}, ${describeRange(a)} vs ${describeRange(b)}`;
    if (!plan.groupBy.length && !compiled.byCurrency) {
      const r = rows[0];
      lines.push(
        `${head}: ${fmt(r[a.label], r)} → ${fmt(r[b.label], r)}, a change of ${
          isMoney(plan) ? formatDelta(Number(r.change), cur(r)) : formatNumber(Number(r.change))
        }${
          r.change_pct === null ? "" : ` (${Number(r.change_pct) > 0 ? "+" : ""}${formatPct(Number(r.change_pct))})`
        }.`,
      );
    } else {
      lines.push(`${head}, largest changes first:`);
      rows.slice(0, 15).forEach((r, i) => {
        const name = [compiled.byCurrency ? String(r.BillingCurrency) : "", dimOf(r)].filter(Boolean).join(" · ");
        lines.push(
          `${i + 1}. ${name}: ${fmt(r[a.label], r)} → ${fmt(r[b.label], r)} (${
            isMoney(plan) ? formatDelta(Number(r.change), cur(r)) : formatNumber(Number(r.change))
          }${
            r.change_pct === null
              ? ", new"
              : `, ${Number(r.change_pct) > 0 ? "+" : ""}${formatPct(Number(r.change_pct))}`
          })`,
        );
      });
    }
  } else if (compiled.timeColumn) {
    const tc = compiled.timeColumn;
    lines.push(`${label} per ${tc}${scope}:`);
    if (plan.groupBy.length) {
      rows.slice(0, 40).forEach((r) =>
        lines.push(`- ${periodLabel(r[tc], tc)} · ${dimOf(r)}: ${fmt(r[compiled.valueColumn], r)}`)
      );
    } else {
      rows.slice(0, 40).forEach((r) =>
        lines.push(
          `- ${periodLabel(r[tc], tc)}${compiled.byCurrency ? ` (${r.BillingCurrency})` : ""}: ${
            fmt(r[compiled.valueColumn], r)
          }`,
        )
      );
    }
    if (rows.length > 40) lines.push(`… ${rows.length - 40} more rows in the result table.`);
  } else if (!plan.groupBy.length && !compiled.byCurrency) {
    const r = rows[0];
    const extra = plan.measure === "avg_daily_cost"
      ? ` over ${formatNumber(Number(r.days))} days with charges`
      : plan.measure === "rows"
      ? ""
      : ` (from ${formatNumber(Number(r.line_items))} line items, ${r.first_day} to ${r.last_day})`;
    lines.push(`${label}${scope}: **${fmt(r[compiled.valueColumn], r)}**${extra}.`);
    if (plan.budget) lines.push(...budgetLines(plan, Number(r[compiled.valueColumn]), meta, cur(r)));
  } else {
    const what = plan.groupBy.map(columnLabel).join(" and ") || "currency";
    const topText = plan.topN ? `${plan.order === "asc" ? "Bottom" : "Top"} ${plan.topN} by ${what}` : `By ${what}`;
    if (compiled.byCurrency) {
      lines.push(
        `${label}${scope}. The data has ${meta.currencies.length} currencies (${
          meta.currencies.join(", ")
        }); amounts are never summed across currencies. ${topText}:`,
      );
    } else lines.push(`${label}${scope}. ${topText}:`);
    const ranked = plan.order === "asc" && plan.topN !== null && plan.groupBy.length > 0;
    const unset = ranked ? rows.filter((r) => r[plan.groupBy[0]] === null) : [];
    rows.filter((r) => !unset.includes(r)).slice(0, 25).forEach((r, i) => {
      const name = [compiled.byCurrency ? String(r.BillingCurrency) : "", plan.groupBy.length ? dimOf(r) : ""]
        .filter(Boolean).join(" · ");
      const share = r.share_pct !== undefined && r.share_pct !== null ? ` (${formatPct(Number(r.share_pct))})` : "";
      lines.push(`${i + 1}. ${name}: ${fmt(r[compiled.valueColumn], r)}${share}`);
    });
    if (rows.length - unset.length > 25) lines.push(`… ${rows.length - unset.length - 25} more in the result table.`);
    for (const r of unset) {
      lines.push(
        `Not ranked: charges with no ${columnLabel(plan.groupBy[0])} ("(not set)"): ${
          fmt(r[compiled.valueColumn], r)
        }.`,
      );
    }
  }
  const meaning = meta.basisNotes?.[plan.basis];
  const basisNote = isMoney(plan)
    ? `Basis: ${plan.basis} cost (\`${BASIS_COLUMN[plan.basis]}\`${meaning ? `: ${meaning}` : ""}) · Currency: ${
      compiled.byCurrency ? "per row" : meta.currency ?? "not stated in the data"
    }`
    : `Measure: ${label.toLowerCase()}`;
  const cat = chargeCategoryNote(plan, meta);
  const dates = [periodNote(plan, compiled), filesNote(meta)].filter(Boolean).join(" · ");
  lines.push("", `_${basisNote}${dates ? ` · ${dates}` : ""}${cat ? ` · ${cat}` : ""}_`);
  for (const n of notes) lines.push(`_${n}_`);
  return lines.join("\n");
}

/** The dataset's files and billing periods, when several files make it. */
function filesNote(meta: DatasetMeta): string {
  const files = meta.files ?? [];
  if (files.length < 2) return "";
  const periods = [...new Set(files.flatMap((f) => f.periods.map((p) => p.split(" · ")[0])))].sort();
  return `Data: ${files.length} files${periods.length ? `, billing periods ${periods.join(", ")}` : ""}`;
}

/** Which period the dates were read from, when dates matter to the answer. */
function periodNote(plan: QueryPlan, compiled: CompiledQuery): string {
  if (plan.period === "billing") return `Dates: billing period (\`${compiled.periodColumn}\`)`;
  if (plan.time.range || plan.time.grain || plan.compare) return "Dates: charge period (`ChargePeriodStart`)";
  return "";
}

function chargeCategoryNote(plan: QueryPlan, meta: DatasetMeta): string {
  const scopes = (plan.scopes ?? []).map((s) => SCOPES[s].label);
  if (scopes.length) return `Scope: ${scopes.join("; ")}`;
  if (!meta.canonical.includes("ChargeCategory")) return "";
  const f = plan.filters.find((x) => x.column === "ChargeCategory");
  if (!f) return "all charge categories included (usage, purchases, tax, credits)";
  return f.op === "in" ? `only ${f.values.join(", ")} charges` : `${f.values.join(", ")} charges excluded`;
}

/** A row's dimension values; a name shown with its ID and provider where names repeat across IDs. */
function dimensionText(plan: QueryPlan, compiled: CompiledQuery, row: Record<string, unknown>): string {
  const show = (v: unknown) => (v === null || v === undefined ? "(not set)" : String(v));
  return plan.groupBy.map((d) => {
    const extra = (compiled.details?.[d] ?? []).map((c) => row[c]).filter((v) => v !== null && v !== undefined);
    return extra.length ? `${show(row[d])} (${extra.join(", ")})` : show(row[d]);
  }).join(" · ");
}

/** Formats a metric-layer value by its kind. */
function metricValue(id: MetricId, v: unknown, currency: string | null, row: Record<string, unknown>): string {
  if (v === null || v === undefined) return "n/a";
  const def: MetricDef = METRICS[id];
  const n = Number(v);
  switch (def.kind) {
    case "money":
      return formatMoney(n, currency);
    case "pct":
      return formatPct(n);
    case "count":
      return formatNumber(n);
    case "quantity":
      return `${formatNumber(n)}${row.ConsumedUnit ? ` ${row.ConsumedUnit}` : ""}`;
    case "money_per_unit":
      return `${formatMoney(n, currency)}${row.ConsumedUnit ? ` per ${row.ConsumedUnit}` : " per unit"}`;
  }
}

/** Lines of an answer with several named measures side by side. */
function metricLines(
  plan: QueryPlan,
  compiled: CompiledQuery,
  rows: Record<string, unknown>[],
  meta: DatasetMeta,
  scope: string,
  cur: (row?: Record<string, unknown>) => string | null,
): string[] {
  const ids = compiled.metricColumns as MetricId[];
  const labels = ids.map((id) => (METRICS[id] as MetricDef).label);
  const values = (r: Record<string, unknown>) =>
    ids.map((id, i) => `${labels[i].toLowerCase()} ${metricValue(id, r[id], cur(r), r)}`).join(", ");
  const lines: string[] = [];
  const keyed = plan.groupBy.length || compiled.timeColumn || compiled.byCurrency;
  if (!keyed) {
    const r = rows[0];
    lines.push(`${labels[0]}${scope}: **${metricValue(ids[0], r[ids[0]], cur(r), r)}**.`);
    if (ids.length > 1) {
      lines.push(
        `With it: ${
          ids.slice(1).map((id, i) => `${labels[i + 1].toLowerCase()} ${metricValue(id, r[id], cur(r), r)}`).join(", ")
        }.`,
      );
    }
  } else {
    const by = [compiled.timeColumn ? `per ${compiled.timeColumn}` : "", plan.groupBy.map(columnLabel).join(" and ")]
      .filter(Boolean).join(", by ");
    lines.push(`${labels.join(", ")}${scope}, ${by || "by currency"}:`);
    rows.slice(0, 25).forEach((r, i) => {
      const name = [
        compiled.timeColumn ? periodLabel(r[compiled.timeColumn], compiled.timeColumn) : "",
        compiled.byCurrency ? String(r.BillingCurrency) : "",
        plan.groupBy.length ? dimensionText(plan, compiled, r) : "",
      ].filter(Boolean).join(" · ");
      lines.push(`${i + 1}. ${name}: ${values(r)}`);
    });
    if (rows.length > 25) lines.push(`… ${rows.length - 25} more in the result table.`);
  }
  const resolve = columnResolver(meta);
  const how = ids
    .filter((id) =>
      (METRICS[id] as MetricDef).kind !== "money" || id.startsWith("savings") || id === "unused_commitment_cost"
    )
    .map((id) => `${(METRICS[id] as MetricDef).label}: ${metricDefinition(id, resolve).how}.`);
  if (how.length) lines.push("", `_How: ${how.join(" ")}_`);
  if (meta.currencies.length > 1 && !compiled.byCurrency) lines.push(`_Currency: ${meta.currency ?? "mixed"}._`);
  return lines;
}

/** A filtered figure as a share of the unfiltered total of the same period. */
function shareOfTotalLines(
  plan: QueryPlan,
  compiled: CompiledQuery,
  rows: Record<string, unknown>[],
  label: string,
  scope: string,
  fmt: (v: unknown, row?: Record<string, unknown>) => string,
): string[] {
  const r = rows[0];
  const of = plan.time.range ? `in ${describeRange(plan.time.range)}` : "over all data";
  return [
    `${label}${scope}: **${fmt(r[compiled.valueColumn], r)}**, ${
      formatPct(Number(r.share_pct))
    } of the total ${label.toLowerCase()} ${of} (${fmt(r.total, r)}, all services, accounts and regions).`,
  ];
}

/** Budget variance, with a run-rate projection when the period is the data's last, unfinished month. */
function budgetLines(plan: QueryPlan, actual: number, meta: DatasetMeta, currency: string | null): string[] {
  const budget = plan.budget!.amount;
  const lines = [
    `Against the budget of ${formatMoney(budget, currency)}: ${formatPct((actual / budget) * 100)} used, ${
      actual > budget
        ? `**${formatMoney(actual - budget, currency)} over**`
        : `${formatMoney(budget - actual, currency)} left`
    }.`,
  ];
  const range = plan.time.range;
  const end = meta.dateRange?.end;
  if (range && end && end >= range.start && end < range.end) {
    const elapsed = (Date.parse(end) - Date.parse(range.start)) / 86_400_000 + 1;
    const days = (Date.parse(range.end) - Date.parse(range.start)) / 86_400_000;
    const projected = (actual / elapsed) * days;
    lines.push(
      `The data ends on ${end}, ${elapsed} of ${days} days into the period: at the same daily rate the period ends at ${
        formatMoney(projected, currency)
      } (a straight run-rate, not a model forecast), ${
        projected > budget
          ? `${formatMoney(projected - budget, currency)} over`
          : `${formatMoney(budget - projected, currency)} under`
      } the budget.`,
    );
  }
  return lines;
}
