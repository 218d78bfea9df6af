/**
 * Schema and help answers: what is in the data and what can be asked. Pure functions of the
 * dataset's metadata.
 * @module
 */
import type { DatasetMeta } from "../analytics/dataset.ts";
import { formatNumber } from "./format.ts";
import { suggestionsFor } from "./planner.ts";

/** Describes a dataset in Markdown. */
export function describeDataset(meta: DatasetMeta): string {
  const lines = [
    `**${meta.name}**: ${meta.schema.label} (confidence ${Math.round(meta.schema.confidence * 100)}%), ` +
    `${formatNumber(meta.rows)} rows` +
    (meta.dateRange ? `, ${meta.dateRange.start} to ${meta.dateRange.end}` : "") + ".",
    `Currency: ${meta.currencies.length ? meta.currencies.join(", ") : "not stated in the data"}. ` +
    `Cost bases: ${meta.bases.join(", ")}.`,
    "",
    "Canonical columns (FOCUS names) and where they come from:",
  ];
  for (const c of meta.canonical) {
    const src = meta.columns.filter((x) => x.role === c).map((x) => x.name);
    lines.push(`- \`${c}\`${src.length && !(src.length === 1 && src[0] === c) ? ` ← ${src.join(", ")}` : ""}`);
  }
  const others = meta.columns.filter((c) => !meta.canonical.includes(c.role as never)).map((c) => c.name);
  if (others.length) {
    lines.push(
      "",
      `Other columns (${others.length}): ${others.slice(0, 40).join(", ")}${others.length > 40 ? ", …" : ""}`,
    );
  }
  const q = meta.quality;
  const issues: string[] = [];
  for (const [k, v] of Object.entries(q.unparsable)) {
    if (v) issues.push(`${v} unparsable values in ${k} (kept out of sums)`);
  }
  if (q.duplicateRows) issues.push(`${q.duplicateRows} duplicate rows`);
  for (const [k, v] of Object.entries(q.nullCounts)) if (v) issues.push(`${v} empty ${k}`);
  if (issues.length) lines.push("", `Data quality: ${issues.join("; ")}.`);
  return lines.join("\n");
}

/** What the agent can do, with questions that work on this dataset. */
export function helpText(meta: DatasetMeta | null): string {
  const lines = [
    "I answer questions about your cloud bill with numbers computed by SQL over your data, and I show the SQL.",
    "Ask for totals, breakdowns by service, region or account, top N, monthly trends, and comparisons between periods.",
  ];
  if (meta) {
    lines.push("", "Try:", ...suggestionsFor(meta).map((s) => `- ${s}`));
  } else {
    lines.push("", "Upload a billing CSV (FOCUS, AWS CUR, Azure, GCP, OCI or any cost CSV) to start.");
  }
  return lines.join("\n");
}
