/**
 * The weekly digest a FinOps lead forwards: what changed last month and why, anomaly incidents,
 * budgets against the month's forecast, and the forecast of next month. Each section is the
 * answer the session would give to that question (the same planner, SQL and numbers), its method
 * paragraphs left out; nothing is stored in the conversation.
 * @module
 */
import type { DatasetMeta } from "../analytics/dataset.ts";
import type { SessionRecord } from "../memory/sessions.ts";
import { splitMethod } from "../static/format.js";
import { budgetStatus } from "./budgets.ts";
import { listBudgets } from "../memory/budgets.ts";
import { type AgentEnv, openDataset, supervise } from "./supervisor.ts";

/** The questions behind the digest's sections, in order. */
export const DIGEST_SECTIONS = [
  { heading: "What changed", question: "why did cost change last month?" },
  { heading: "Anomaly incidents", question: "any anomalies?" },
  { heading: "Forecast", question: "forecast next month" },
] as const;

/** The digest of a session's data, in Markdown. */
export async function weeklyDigest(env: AgentEnv, session: SessionRecord): Promise<string> {
  if (!session.datasetId) {
    return "# FinOps weekly digest\n\nThis session has no billing data yet: upload an export to get a digest.\n";
  }
  const meta = await openDataset(env, session.datasetId);
  const dr = meta.dateRange;
  const out = [
    `# FinOps weekly digest: ${meta.name}`,
    "",
    `_${meta.rows.toLocaleString("en-US")} rows${dr ? `, ${dr.start} to ${dr.end}` : ""}${
      meta.currency ? `, ${meta.currency}` : ""
    }. Each section is what the agent answers to the question in its title; ask it in the session for the SQL ` +
    `and the method._`,
  ];
  for (const section of DIGEST_SECTIONS) {
    const { reply } = await supervise(env, session, section.question, null);
    out.push("", `## ${section.heading}`, `_“${section.question}”_`, "", splitMethod(reply.response).findings);
    if (section.heading === "Anomaly incidents") out.push(...(await budgetSection(env, session, meta)));
  }
  return out.join("\n") + "\n";
}

/** The budgets' status, or a line saying there are none. */
async function budgetSection(env: AgentEnv, session: SessionRecord, meta: DatasetMeta): Promise<string[]> {
  const budgets = await listBudgets(env.kv, session.id);
  const lines = ["", "## Budgets", ""];
  if (!budgets.length) return [...lines, 'No budget is set. Set one in the chat: "set a $40k monthly budget for EC2".'];
  for (const b of budgets) lines.push((await budgetStatus(env.engine, meta, b)).text, "");
  return lines;
}
