/**
 * Conversation export: a Markdown transcript (with the SQL and result tables) or JSON.
 * Pure functions of the stored messages.
 * @module
 */
import type { StoredMessage } from "../memory/messages.ts";

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
 * Renders a session as Markdown: each turn with the question, the answer, the SQL in a fenced
 * block and the first rows of the result as a table.
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
      `Data: ${dataset.name} (${dataset.schema}, ${dataset.rows} rows${
        dataset.date_range ? `, ${dataset.date_range.start} to ${dataset.date_range.end}` : ""
      })`,
    );
  }
  for (const m of messages) {
    out.push("", "---", "", `**${m.role === "user" ? "You" : "FinOps Agent"}** (${m.timestamp}):`, "", m.content);
    const sql = m.metadata?.sql;
    if (typeof sql === "string" && sql) out.push("", "```sql", sql, "```");
    const result = m.metadata?.result as { columns: { name: string }[]; rows: unknown[][] } | undefined;
    if (result?.columns?.length && result.rows?.length) {
      out.push("", `| ${result.columns.map((c) => cell(c.name)).join(" | ")} |`);
      out.push(`|${result.columns.map(() => "---").join("|")}|`);
      for (const r of result.rows.slice(0, maxRows)) out.push(`| ${r.map(cell).join(" | ")} |`);
      if (result.rows.length > maxRows) out.push("", `_${result.rows.length - maxRows} more rows not shown._`);
    }
  }
  return out.join("\n") + "\n";
}
