/**
 * The insight agent: which analysis a question asks for, and running it. Each analysis lives in
 * its own module; this one only routes.
 *
 * @example
 * detectAnalysis("why did ec2 spike on the 14th", plan) // → "anomalies"
 * @module
 */
import { isOneDay } from "../time.ts";
import type { Analysis, QueryPlan } from "../types.ts";
import { runAnomalies } from "./anomalies.ts";
import type { InsightContext, InsightOutput } from "./common.ts";
import { runDrivers } from "./drivers.ts";
import { runForecast } from "./forecast.ts";
import { runCorrelation, runMovingAverage } from "./statistics.ts";

export type { InsightContext, InsightOutput } from "./common.ts";

const FORECAST =
  /\b(forecasts?|forecasting|predict(ed|ion|ions)?|projections?|project(ed)? (cost|spend|bill)|next (\d+ )?(days?|weeks?|months?|quarters?|years?)|rest of the (month|quarter|year)|end of (the )?(month|quarter|year)|run ?rate|will (we|i|it) (spend|cost))\b/;
const MOVING = /\b(moving|rolling|running) (average|mean)s?\b|\b\d+[- ]?days? (average|mean)\b|\bsmoothed\b/;
const CORRELATION = /\bcorrelat(e|es|ed|ion|ions)\b|\bco-?move\b/;
const ANOMALY =
  /\b(anomal(y|ies|ous)|spikes?|spiked|spiking|unusual|outliers?|abnormal|surges?|surged|jumps?|jumped|dips?|dipped|odd)\b/;
const DRIVERS =
  /\b(why (did|is|was|are|were|has|have)|what (drove|drives|caused|changed|happened)|drivers?|root cause|explain|went up|go up|gone up|went down|go down|increase[sd]?|decrease[sd]?|grew|rose|fell|dropped)\b/;

/**
 * The analysis a question asks for, or null when it asks for none (then it is a plain query).
 * A single day with a "why" is an anomaly question ("why did EC2 spike on the 14th?"); a
 * longer period with a "why" is a drivers question ("why did costs go up in May?").
 */
export function detectAnalysis(text: string, plan: QueryPlan | null): Analysis | null {
  if (FORECAST.test(text)) return "forecast";
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
