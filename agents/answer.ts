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
import { headerWords } from "./planner.ts";

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

function isMoney(plan: QueryPlan): boolean {
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
  const fmt = (v: unknown, row?: Record<string, unknown>) =>
    isMoney(plan) ? formatMoney(v === null ? null : Number(v), cur(row)) : formatNumber(v === null ? null : Number(v));
  const label = measureLabel(plan);
  const scope = scopeText(plan, meta);
  const lines: string[] = [];
  const dimOf = (row: Record<string, unknown>) =>
    plan.groupBy.map((d) => (row[d] === null || row[d] === undefined ? "(not set)" : String(row[d]))).join(" · ");

  if (
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
    rows.slice(0, 25).forEach((r, i) => {
      const name = [compiled.byCurrency ? String(r.BillingCurrency) : "", plan.groupBy.length ? dimOf(r) : ""]
        .filter(Boolean).join(" · ");
      const share = r.share_pct !== undefined && r.share_pct !== null ? ` (${formatPct(Number(r.share_pct))})` : "";
      lines.push(`${i + 1}. ${name}: ${fmt(r[compiled.valueColumn], r)}${share}`);
    });
    if (rows.length > 25) lines.push(`… ${rows.length - 25} more in the result table.`);
  }
  const basisNote = isMoney(plan)
    ? `Basis: ${plan.basis} cost (\`${BASIS_COLUMN[plan.basis]}\`) · Currency: ${
      compiled.byCurrency ? "per row" : meta.currency ?? "not stated in the data"
    }`
    : `Measure: ${label.toLowerCase()}`;
  const cat = chargeCategoryNote(plan, meta);
  lines.push("", `_${basisNote}${cat ? ` · ${cat}` : ""}_`);
  for (const n of notes) lines.push(`_${n}_`);
  return lines.join("\n");
}

function chargeCategoryNote(plan: QueryPlan, meta: DatasetMeta): string {
  if (!meta.canonical.includes("ChargeCategory")) return "";
  const f = plan.filters.find((x) => x.column === "ChargeCategory");
  if (!f) return "all charge categories included (usage, purchases, tax, credits)";
  return f.op === "in" ? `only ${f.values.join(", ")} charges` : `${f.values.join(", ")} charges excluded`;
}
