/**
 * The tools the LLM may call: their argument schemas (zod, shared with the rest of the app) and
 * their JSON-schema definitions generated from them. One source of truth per argument shape.
 * @module
 */
import { z } from "zod";
import { CHART_TYPES } from "../../analytics/charts/spec.ts";
import { PlanFilterSchema, QueryPlanSchema, TimeRangeSchema, zodMessage } from "../plan_schema.ts";
import type { ToolDef } from "./client.ts";

const Scope = {
  filters: z.array(PlanFilterSchema).max(10).optional().describe("Filters, as in a QueryPlan"),
  basis: z.enum(["billed", "effective", "list"]).optional().describe("Cost basis (default: the dataset's)"),
};

/** Argument schemas by tool name. */
export const TOOL_ARGS = {
  make_plan: QueryPlanSchema,
  run_sql: z.object({
    sql: z.string().min(1).max(20_000).describe("One DuckDB SELECT over the table `billing`"),
    purpose: z.string().max(300).optional().describe("What the query answers, in a few words"),
  }).strict(),
  forecast: z.object({
    ...Scope,
    horizon: TimeRangeSchema.describe("The period to forecast, after the data's last day"),
  }).strict(),
  detect_anomalies: z.object({
    ...Scope,
    range: TimeRangeSchema.optional().describe("Days to scan (default: all)"),
    groupBy: z.array(z.string()).max(1).optional().describe("A dimension to scan per value (default: all)"),
  }).strict(),
  explain_change: z.object({
    ...Scope,
    a: TimeRangeSchema.describe("The earlier period"),
    b: TimeRangeSchema.describe("The later period"),
  }).strict(),
  draw_chart: z.object({
    type: z.enum(CHART_TYPES).optional().describe("Chart type; omit to let the result's shape decide"),
  }).strict(),
  search_knowledge: z.object({
    query: z.string().min(2).max(300).describe("The concept to look up"),
  }).strict(),
} as const;

/** Names of the tools. */
export type ToolName = keyof typeof TOOL_ARGS;

const DESCRIPTIONS: Record<ToolName, string> = {
  make_plan: "Answer a data question with a typed QueryPlan; our compiler turns it into SQL and runs it. " +
    "Use canonical column names; time ranges are half-open [start, end).",
  run_sql: "Run one read-only DuckDB SELECT over the table `billing` when a QueryPlan cannot express the question.",
  forecast: "Forecast cost for a future period with 80 % and 95 % intervals, from the daily history.",
  detect_anomalies: "Find days whose cost departs from the expected pattern, with root causes.",
  explain_change: "Explain what drove the cost change between two periods (by service, region, account, SKU).",
  draw_chart: "Draw a chart of the last result (plan, SQL or analysis).",
  search_knowledge: "Search the FinOps knowledge base (FOCUS columns, cost bases, commitments, allocation, " +
    "unit economics, optimization, anomalies, FinOps framework). Returns passages with their citations.",
};

/** The tool definitions sent to the model. */
export function toolDefinitions(names: ToolName[] = Object.keys(TOOL_ARGS) as ToolName[]): ToolDef[] {
  return names.map((name) => {
    const schema = z.toJSONSchema(TOOL_ARGS[name], { unrepresentable: "any" }) as Record<string, unknown>;
    delete schema.$schema;
    return { type: "function", function: { name, description: DESCRIPTIONS[name], parameters: schema } };
  });
}

/** A tool call after validation: either its typed arguments or why they were refused. */
export type ParsedCall =
  | { ok: true; name: ToolName; args: unknown }
  | { ok: false; name: string; error: string };

/** Parses and validates one tool call's name and JSON arguments. */
export function parseToolCall(name: string, argsJson: string): ParsedCall {
  if (!(name in TOOL_ARGS)) return { ok: false, name, error: `unknown tool '${name}'` };
  let raw: unknown;
  try {
    raw = argsJson.trim() ? JSON.parse(argsJson) : {};
  } catch {
    return { ok: false, name, error: "arguments are not valid JSON" };
  }
  // Some models wrap the plan: {"plan": {...}}.
  if (name === "make_plan" && raw && typeof raw === "object" && "plan" in raw && Object.keys(raw).length === 1) {
    raw = (raw as { plan: unknown }).plan;
  }
  const r = TOOL_ARGS[name as ToolName].safeParse(raw);
  return r.success
    ? { ok: true, name: name as ToolName, args: r.data }
    : { ok: false, name, error: zodMessage(r.error) };
}
