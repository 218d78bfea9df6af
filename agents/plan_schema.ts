/**
 * The `QueryPlan` as a zod schema: validates plans proposed by the LLM and generates the JSON
 * schema of its tools. Checked against the hand-written type, so the two cannot drift.
 * @module
 */
import { z } from "zod";
import { METRIC_IDS, SCOPE_IDS } from "../analytics/metric_layer.ts";
import type { QueryPlan } from "./types.ts";

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected an ISO date YYYY-MM-DD");

/** A half-open date range `[start, end)`. */
export const TimeRangeSchema = z.object({
  start: isoDate,
  end: isoDate,
  label: z.string().max(80).describe("How the user said it, e.g. 'last month'"),
}).strict().refine((r) => r.start < r.end, "start must be before end");

/** One filter: exact values of one column. */
export const PlanFilterSchema = z.object({
  column: z.string().min(1).max(120),
  op: z.enum(["in", "not_in"]),
  values: z.array(z.string().max(300)).min(1).max(50),
}).strict();

/** The typed plan of one question. */
export const QueryPlanSchema = z.object({
  measure: z.enum(["cost", "quantity", "rows", "resources", "avg_daily_cost"]),
  basis: z.enum(["billed", "effective", "list"]),
  groupBy: z.array(z.string().min(1).max(120)).max(3).describe("Columns (or 'tag:<key>') to group by"),
  filters: z.array(PlanFilterSchema).max(10),
  time: z.object({
    range: TimeRangeSchema.nullable(),
    grain: z.enum(["day", "week", "month", "quarter", "year"]).nullable(),
  }).strict(),
  topN: z.number().int().min(1).max(1000).nullable(),
  order: z.enum(["desc", "asc"]),
  share: z.boolean().optional(),
  compare: z.object({ kind: z.literal("periods"), a: TimeRangeSchema, b: TimeRangeSchema }).strict().optional(),
  analysis: z.enum(["forecast", "anomalies", "drivers", "correlation", "moving_avg"]).optional(),
  horizon: TimeRangeSchema.optional(),
  window: z.number().int().min(2).max(90).optional(),
  method: z.enum(["pearson", "spearman"]).optional(),
  chart: z.object({ type: z.string().max(30).optional() }).strict().optional(),
  metrics: z.array(z.enum(METRIC_IDS)).max(6).optional().describe(
    "Named measures of the FOCUS metric layer, shown side by side (e.g. list_cost, effective_cost, " +
      "effective_savings_rate, commitment_utilization, tag_coverage, count_sub_accounts)",
  ),
  scopes: z.array(z.enum(SCOPE_IDS)).max(4).optional().describe(
    "Named filters (usage, corrections, marketplace, tagged, untagged, unused_commitments, …)",
  ),
  period: z.enum(["charge", "billing"]).optional().describe(
    "Dates from the charge period (default) or the billing period (invoices)",
  ),
  budget: z.object({ amount: z.number().positive() }).strict().optional(),
}).strict() satisfies z.ZodType<QueryPlan>;

/**
 * Validates an untrusted plan; returns it or a readable list of problems.
 *
 * @example
 * parsePlan({ measure: "cost" }) // → { ok: false, error: "basis: Invalid option…; …" }
 */
export function parsePlan(input: unknown): { ok: true; plan: QueryPlan } | { ok: false; error: string } {
  const r = QueryPlanSchema.safeParse(input);
  if (r.success) return { ok: true, plan: r.data as QueryPlan };
  return { ok: false, error: zodMessage(r.error) };
}

/** A zod error as one line per issue, prefixed with the field path. */
export function zodMessage(err: z.ZodError): string {
  return err.issues.slice(0, 8).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
}
