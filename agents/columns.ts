/**
 * Result columns as people read them: each with its kind (money, percent, count …, decided by
 * static/format.js, which the chat page formats cells with too) and a label in plain words.
 * Pure.
 * @module
 */
import type { ResultSet } from "../analytics/arrow_json.ts";
import { type ColumnKind, columnKind } from "../static/format.js";
import { columnLabel, isMoney } from "./answer.ts";
import type { QueryPlan } from "./types.ts";

export type { ColumnKind };

/** A result column with how it reads. */
export interface DescribedColumn {
  name: string;
  type: string;
  kind: ColumnKind;
  label: string;
}

/** Labels of the columns the agent names itself. */
const OWN_LABELS: Record<string, string> = {
  lo80: "80% low",
  hi80: "80% high",
  lo95: "95% low",
  hi95: "95% high",
  pct_of_change: "% of change",
  pct_of_excess: "% of excess",
  change_pct: "Change %",
  share_pct: "Share %",
  zscore: "z-score",
  peak_date: "Peak date",
  usage_quantity: "Usage quantity",
  line_items: "Line items",
  moving_avg: "Moving average",
  daily_total_impact: "Daily total impact",
  billed_cost: "Billed cost",
  effective_cost: "Effective cost",
  list_cost: "List cost",
  avg_daily_billed_cost: "Average daily billed cost",
  avg_daily_effective_cost: "Average daily effective cost",
  avg_daily_list_cost: "Average daily list cost",
};

/**
 * A column's label: the agent's own names from a table, data columns as the answers name them
 * ("ServiceName" → "Service"), period labels ("May 2025") as they are.
 *
 * @example
 * labelOf("pct_of_change") // → "% of change"
 */
export function labelOf(name: string): string {
  const own = OWN_LABELS[name];
  if (own) return own;
  if (/\d{4}/.test(name)) return name;
  const words = columnLabel(name).replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * The columns of a result with their kinds and labels (kept when the columns have them).
 *
 * @example
 * describeColumns({columns: [{name: "ServiceName", type: "string"}], rows: []}, null)
 * // → [{name: "ServiceName", type: "string", kind: "text", label: "Service"}]
 */
export function describeColumns(result: ResultSet, plan: QueryPlan | null | undefined): DescribedColumn[] {
  // No plan: an analysis of cost, the agent's default.
  const money = !plan || isMoney(plan);
  // A stored answer's columns may say already (answers since kinds were added carry them).
  const columns = result.columns as (ResultSet["columns"][number] & Partial<DescribedColumn>)[];
  return columns.map((c, i) => ({
    name: c.name,
    type: c.type,
    kind: c.kind ?? columnKind({ name: c.name, type: c.type ?? typeOfValues(result.rows, i) }, money),
    label: c.label ?? labelOf(c.name),
  }));
}

/** A column's type read from its values, for results stored without one. */
function typeOfValues(rows: ResultSet["rows"], index: number): string {
  return rows.some((r) => typeof r[index] === "number") ? "number" : "string";
}

/** A result whose columns say how they read (the API's and the page's `result`). */
export function describedResult(result: ResultSet, plan: QueryPlan | null | undefined): ResultSet {
  return { ...result, columns: describeColumns(result, plan) };
}
