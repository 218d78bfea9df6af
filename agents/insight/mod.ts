/**
 * The insight agent: which analysis a question asks for, and running it. Each analysis lives in
 * its own module; this one only routes.
 *
 * @example
 * detectAnalysis("why did ec2 spike on the 14th", plan) // → "anomalies"
 * @module
 */
import { isOneDay } from "../time.ts";
import { ANOMALY, CORRELATION, DRIVERS, FORECAST, FORECAST_PURPOSE, FUTURE, MOVING } from "../analysis_words.ts";
import type { Analysis, QueryPlan } from "../types.ts";
import { runAnomalies } from "./anomalies.ts";
import type { InsightContext, InsightOutput } from "./common.ts";
import { runDrivers } from "./drivers.ts";
import { runForecast } from "./forecast.ts";
import { runCorrelation, runMovingAverage } from "./statistics.ts";

export type { InsightContext, InsightOutput } from "./common.ts";

/**
 * The analysis a question asks for, or null when it asks for none (then it is a plain query).
 * A single day with a "why" is an anomaly question ("why did EC2 spike on the 14th?"); a
 * longer period with a "why" is a drivers question ("why did costs go up in May?").
 */
export function detectAnalysis(text: string, plan: QueryPlan | null): Analysis | null {
  if (FORECAST.test(text) && !isHistoryForForecast(text)) return "forecast";
  if (MOVING.test(text)) return "moving_avg";
  if (CORRELATION.test(text)) return "correlation";
  if (ANOMALY.test(text)) return "anomalies";
  if (DRIVERS.test(text)) return isOneDay(plan?.time.range) ? "anomalies" : "drivers";
  return plan?.analysis ?? null;
}

const RUNNERS: Record<Analysis, (ctx: InsightContext) => Promise<InsightOutput>> = {
  forecast: runForecast,
  anomalies: runAnomalies,
  drivers: runDrivers,
  correlation: runCorrelation,
  moving_avg: runMovingAverage,
};

/** Runs an analysis. */
export function runInsight(analysis: Analysis, ctx: InsightContext): Promise<InsightOutput> {
  return RUNNERS[analysis](ctx);
}

/**
 * A question about history that names forecasting as its purpose ("monthly billed cost by
 * service to forecast cash flow"): answered from history, not by the forecaster.
 */
export function isHistoryForForecast(text: string): boolean {
  return FORECAST_PURPOSE.test(text) && !FUTURE.test(text) &&
    /\b(monthly|weekly|daily|per (month|week|day)|by (month|week|day)|history|historical|trend|past)\b/.test(text);
}
