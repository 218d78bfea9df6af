/**
 * The spine of the agent: the `QueryPlan` every question becomes and the `AgentReply` every
 * answer is.
 * @module
 */
import type { ResultSet } from "../analytics/arrow_json.ts";
import type { CostBasis } from "../analytics/dataset.ts";
import type { MetricId, ScopeId } from "../analytics/metric_layer.ts";

/** What is measured. */
export type Measure = "cost" | "quantity" | "rows" | "resources" | "avg_daily_cost";

/** A filter on one column: values matched exactly (after matching against the data). */
export interface PlanFilter {
  column: string;
  op: "in" | "not_in";
  values: string[];
}

/** Time grain of a trend. */
export type Grain = "day" | "week" | "month" | "quarter" | "year";

/** A resolved time range, half-open: `[start, end)`, ISO dates. */
export interface TimeRange {
  start: string;
  end: string;
  /** The words the user used ("last month"), for the answer text. */
  label: string;
}

/** The typed plan of one question. The compiler turns it into SQL. */
export interface QueryPlan {
  measure: Measure;
  basis: CostBasis;
  groupBy: string[];
  filters: PlanFilter[];
  time: { range: TimeRange | null; grain: Grain | null };
  topN: number | null;
  order: "desc" | "asc";
  /** Whether the answer shows each item's share of the total. */
  share?: boolean;
  compare?: { kind: "periods"; a: TimeRange; b: TimeRange };
  analysis?: Analysis;
  /** Forecast target period (analysis "forecast"). */
  horizon?: TimeRange;
  /** Moving-average window in days (analysis "moving_avg"). */
  window?: number;
  /** Correlation method (analysis "correlation"). */
  method?: "pearson" | "spearman";
  chart?: { type?: string };
  /** Named measures of the metric layer, side by side (replace `measure` when present). */
  metrics?: MetricId[];
  /** Named filters of the metric layer (corrections, marketplace, usage only …). */
  scopes?: ScopeId[];
  /** Which period dates and ranges are read from: the charge period (default) or the billing period. */
  period?: "charge" | "billing";
  /** A budget to compare the figure against (amount in the dataset's currency). */
  budget?: { amount: number };
}

/** The statistical analyses the insight agent runs. */
export type Analysis = "forecast" | "anomalies" | "drivers" | "correlation" | "moving_avg";

/** Intents the supervisor distinguishes. */
export type Intent =
  | "finops_query"
  | "insight"
  | "visualize"
  | "knowledge"
  | "small_talk"
  | "schema"
  | "out_of_scope";

/** One part of how a question was read: what it became and the words it came from. */
export interface ReadingPart {
  /** The plan element in plain words ("grouped by region"). */
  part: string;
  /** The words of the question it came from ("per region"); empty when it is a default. */
  from: string;
}

/** How a question was read: the plan in plain words, and the content words not used. */
export interface Reading {
  /** One line: the plan in plain words. */
  text: string;
  parts: ReadingPart[];
  /** Content words of the question the answer did not use. */
  unused: string[];
}

/** What an agent answers with. */
export interface AgentReply {
  /** How the question was read (data questions). */
  reading?: Reading;
  response: string;
  intent: Intent;
  subagent: string;
  sql: string | null;
  result: ResultSet | null;
  plan: QueryPlan | null;
  chart_url: string | null;
  /** The Vega-Lite spec of the chart (with its data), for interactive rendering. */
  chart_spec?: Record<string, unknown> | null;
  planner: "builtin" | "llm";
  /** Cost basis and currency stated with the numbers. */
  basis?: CostBasis;
  currency?: string | null;
  /** Knowledge passages quoted, as `file § heading`. */
  sources?: { file: string; heading: string }[];
  /** What the LLM did this turn (absent when it was not asked). */
  llm?: LlmTurnInfo;
}

/** One turn's use of the LLM: recorded in the message metadata and the metrics. */
export interface LlmTurnInfo {
  model: string;
  /** Prompt name and version, e.g. `planner@1`. */
  prompt: string;
  /** Model calls (each may have been retried). */
  calls: number;
  /** HTTP attempts in total, retries included. */
  attempts: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** Tools called, in order. */
  tools: string[];
  /** Who wrote the reply text: the model, or our template after the number check failed. */
  narrative: "model" | "template" | null;
  /** Numbers the model wrote that the results do not support (when the template was used). */
  rejected_numbers?: string[];
  /** Why the built-in planner answered instead, when it did. */
  fallback?: string;
}

/** A step of answering, reported as it happens (streamed to the chat page). */
export type ProgressStep =
  | { step: "understood"; intent: Intent }
  | { step: "sql"; sql: string }
  | { step: "rows"; rows: number }
  | { step: "analysis"; analysis: Analysis }
  | { step: "llm"; tool: string }
  | { step: "chart" };

/** Receives progress steps; must not throw. */
export type Progress = (step: ProgressStep) => void;
