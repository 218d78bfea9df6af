/**
 * The words that ask for an analysis or a chart, shared by the insight router (which analysis
 * to run) and the planner's word accounting (which words a question used).
 * @module
 */

/** A forecast: "forecast", "next quarter", "end of the month", "run rate". */
export const FORECAST =
  /\b(forecasts?|forecasting|predict(ed|ion|ions)?|projections?|project(ed)? (cost|spend|bill)|next (\d+ )?(days?|weeks?|months?|quarters?|years?)|rest of the (month|quarter|year)|end of (the )?(month|quarter|year)|run ?rate|will (we|i|it) (spend|cost))\b/;
/** A moving average. */
export const MOVING = /\b(moving|rolling|running) (average|mean)s?\b|\b\d+[- ]?days? (average|mean)\b|\bsmoothed\b/;
/** A correlation. */
export const CORRELATION = /\bcorrelat(e|es|ed|ion|ions)\b|\bco-?move\b/;
/** An anomaly scan. */
export const ANOMALY =
  /\b(anomal(y|ies|ous)|spikes?|spiked|spiking|unusual|outliers?|abnormal|surges?|surged|jumps?|jumped|dips?|dipped|odd)\b/;
/** Why a cost changed. */
export const DRIVERS =
  /\b(why (did|is|was|are|were|has|have)|what (drove|drives|caused|changed|happened)|what s driving|driving|drivers?|root cause|explain|went up|go up|gone up|went down|go down|increase[sd]?|decrease[sd]?|grew|rose|fell|dropped)\b/;

/**
 * "Forecast" as the purpose of a question about history: "monthly billed cost by service to
 * forecast cash flow" asks for the history a forecast is built from, not for a forecast.
 */
export const FORECAST_PURPOSE =
  /\b(?:to|for|used to|help|helps) (?:forecast(?:ing)?|predict(?:ing)?|project(?:ing)?)\b|\b(?:historical|history|past)\b/;

/** Words that ask for the future explicitly. */
export const FUTURE = /\b(next|coming|upcoming|rest of|end of|will|future)\b/;

/** A chart asked for. */
export const CHART_WORDS =
  /\b(chart|plot|graph|visuali[sz]e|draw|pie|donut|bar chart|line chart|heat ?map|diagram|scatter|horizontal bars?|stacked|as (a |an )?(bars?|lines?|columns?|area|donut|pie))\b/g;

/** Words that ask for two periods side by side. */
export const COMPARISON = /\b(compare|compared|comparing|comparison|versus|vs)\b/;

/** Every analysis pattern, for word accounting. */
export const ANALYSIS_PATTERNS = [FORECAST, MOVING, CORRELATION, ANOMALY, DRIVERS, COMPARISON];

/** The words of `text` that ask for an analysis or a chart. */
export function analysisWordsIn(text: string): string[] {
  const out: string[] = [];
  for (const re of [...ANALYSIS_PATTERNS, FORECAST_PURPOSE]) {
    for (const m of text.matchAll(new RegExp(re.source, "g"))) out.push(m[0]);
  }
  for (const m of text.matchAll(CHART_WORDS)) out.push(m[0]);
  return out;
}
