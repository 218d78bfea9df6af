/**
 * Conversation export: a Markdown transcript (with the SQL and result tables) or JSON.
 * Pure functions of the stored messages.
 * @module
 */
import type { ResultSet } from "../analytics/arrow_json.ts";
import type { StoredMessage } from "../memory/messages.ts";
import { formatCell, unitColumn } from "../static/format.js";
import { describeColumns } from "./columns.ts";
import type { QueryPlan } from "./types.ts";

/** What an export says about the session's data. */
export interface ExportDataset {
  name: string;
  schema: string;
  rows: number;
  date_range: { start: string; end: string } | null;
}

/** Escapes a table cell for Markdown (pipes and newlines). */
function cell(v: unknown): string {
  if (v === null || v === undefined) return "";
  return String(v).replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/**
 * Renders a session as Markdown: each turn with the question, the answer, the data it was
 * computed on, the SQL in a fenced block and the first rows of the result as a table, numbers
 * formatted as the page shows them (money to the cent; the JSON export keeps exact values).
 *
 * @example
 * transcriptMarkdown("s1", null, [{role: "user", content: "total cost", timestamp: "t", metadata: {}}])
 * // → "# FinOps Agent conversation\n…**You** (t):\n\ntotal cost\n…"
 */
export function transcriptMarkdown(
  sessionId: string,
  dataset: ExportDataset | null,
  messages: StoredMessage[],
  maxRows = 20,
): string {
  const out = [`# FinOps Agent conversation`, "", `Session \`${sessionId}\``];
  if (dataset) {
    out.push(
      `Data now: ${dataset.name} (${dataset.schema}, ${dataset.rows} rows${
        dataset.date_range ? `, ${dataset.date_range.start} to ${dataset.date_range.end}` : ""
      })`,
    );
  }
  for (const m of messages) {
    out.push("", "---", "", `**${m.role === "user" ? "You" : "FinOps Agent"}** (${m.timestamp}):`, "", m.content);
    const used = m.metadata?.dataset as { name: string; rows: number } | null | undefined;
    if (used) out.push("", `_Computed on ${used.name} (${used.rows} rows)._`);
    const sql = m.metadata?.sql;
    if (typeof sql === "string" && sql) out.push("", "```sql", sql, "```");
    const result = m.metadata?.result as ResultSet | undefined;
    if (result?.columns?.length && result.rows?.length) {
      out.push(...resultTable(result, m.metadata?.plan ?? null, m.metadata?.currency ?? null, maxRows));
    }
  }
  return out.join("\n") + "\n";
}

/** A result as a Markdown table: plain-word headers, cells formatted for their columns. */
function resultTable(result: ResultSet, plan: QueryPlan | null, currency: string | null, maxRows: number): string[] {
  const columns = describeColumns(result, plan);
  const unitAt = unitColumn(columns);
  const lines = ["", `| ${columns.map((c) => cell(c.label)).join(" | ")} |`];
  lines.push(`|${columns.map((c) => (c.kind === "text" || c.kind === "date" ? "---" : "---:")).join("|")}|`);
  for (const r of result.rows.slice(0, maxRows)) {
    const unit = unitAt >= 0 && typeof r[unitAt] === "string" ? r[unitAt] as string : null;
    lines.push(`| ${r.map((v, i) => cell(formatCell(v, columns[i].kind, currency, "en-US", unit))).join(" | ")} |`);
  }
  if (result.rows.length > maxRows) lines.push("", `_${result.rows.length - maxRows} more rows not shown._`);
  return lines;
}
