/**
 * "Forecast EC2 for next quarter": the filtered daily cost history, the model chosen by its
 * rolling-origin backtest (analytics/forecast.ts), the target period's total with 80 % and 95 %
 * intervals, monthly points, and how well the method did on held-out history.
 * @module
 */
import { forecastDaily, type ModelName, monthlyTotals } from "../../analytics/forecast.ts";
import { daysBetween } from "../../analytics/series.ts";
import { measureLabel, periodLabel, scopeText } from "../answer.ts";
import { formatMoney } from "../format.ts";
import { describeRange, parseHorizon } from "../time.ts";
import { cents, fetchDaily, type InsightContext, type InsightOutput, singleCurrency, table } from "./common.ts";

const MODEL_TEXT: Record<ModelName, string> = {
  linear_trend: "a linear trend (least squares)",
  trend_weekday: "a linear trend with day-of-week factors",
  seasonal_naive: "a seasonal naive model (the same weekday of the last week)",
};

/** Longest forecast horizon, in days: beyond a year the intervals say nothing useful. */
export const MAX_HORIZON_DAYS = 366;

/** Days of history shown before the forecast in the result (for the chart). */
const HISTORY_SHOWN = 90;

/** Runs a forecast for the plan. */
export async function runForecast(ctx: InsightContext): Promise<InsightOutput> {
  const { meta } = ctx;
  const dr = meta.dateRange;
  const notes = ctx.notes;
  if (!dr) {
    return {
      text: "This data has no dates, so there is nothing to forecast from.",
      sql: [],
      result: null,
      plan: ctx.plan,
    };
  }
  const asked = parseHorizon(ctx.text, dr.end);
  const target = asked.named || !ctx.plan.horizon ? asked.horizon : ctx.plan.horizon;
  const plan = { ...ctx.plan, analysis: "forecast" as const, horizon: target ?? undefined };
  if (!target) {
    return {
      text: `The period you asked about is not after the end of the data (${dr.end}); ` +
        `forecasts start the day after it. Ask for its actual cost instead, or e.g. "forecast next month".`,
      sql: [],
      result: null,
      plan,
    };
  }
  const h = daysBetween(dr.end, target.end) - 1;
  if (h > MAX_HORIZON_DAYS) {
    return {
      text:
        `That is ${h} days past the end of the data (${dr.end}); I forecast at most ${MAX_HORIZON_DAYS} days ahead, ` +
        `since intervals that far out say nothing useful.`,
      sql: [],
      result: null,
      plan,
    };
  }
  const scoped = singleCurrency({ ...plan, time: { range: null, grain: null } }, meta, notes);
  const daily = await fetchDaily(ctx, scoped.plan, [], null);
  const cur = scoped.currency;
  const fmt = (v: number) => formatMoney(v, cur);
  const series = daily.dates.map((date, i) => ({ date, value: daily.total[i] }));
  const totalFrom = daysBetween(dr.end, target.start) - 1;
  const monthly = target.start.slice(8) === "01";
  const f = forecastDaily(series, h, { totalFrom });
  const what = `${measureLabel(plan).toLowerCase()}${
    scopeText({ ...plan, time: { range: null, grain: null } }, meta, false)
  }`;
  if ("error" in f) {
    return {
      text: `I can't forecast ${what} honestly: there are ${f.days} days of history and a forecast with a ` +
        `measured error needs at least ${f.needed}.${
          notes.length ? `\n\n${notes.map((n) => `_${n}_`).join("\n")}` : ""
        }`,
      sql: [daily.sql],
      result: null,
      plan,
    };
  }
  if (series.every((p) => p.value === 0)) {
    return {
      text: `There are no charges for ${what}, so there is nothing to forecast.`,
      sql: [daily.sql],
      result: null,
      plan,
    };
  }
  const t = f.total;
  const lines = [
    `**Forecast of ${what} for ${describeRange(target)}: ${fmt(t.forecast)}** ` +
    `(80% interval ${fmt(t.lo80)} – ${fmt(t.hi80)}; 95% interval ${fmt(t.lo95)} – ${fmt(t.hi95)}).`,
  ];
  const months = monthlyTotals(f.points.slice(totalFrom));
  if (monthly && months.length > 1) {
    lines.push(
      "",
      "Per month (point forecast):",
      ...months.map((m) => `- ${periodLabel(m.month + "-01", "month")}: ${fmt(m.forecast)}`),
    );
  }
  const histDays = series.length;
  const last28 = series.slice(-28).reduce((s, p) => s + p.value, 0) / Math.min(28, series.length);
  const perDay = t.forecast / (h - totalFrom);
  lines.push(
    "",
    `That is ${fmt(perDay)} a day on average, against ${fmt(last28)} a day over the last ${
      Math.min(28, histDays)
    } days of data.`,
    "",
    `**Method:** ${MODEL_TEXT[f.model]}, chosen by a rolling-origin backtest over ${f.folds} folds of ` +
      `${histDays} days of history (${dr.start} to ${dr.end}). Backtest error (MAPE): ${pct(f.mape)} ` +
      `(${
        Object.entries(f.mapeByModel).map(([m, v]) => `${m.replaceAll("_", " ")} ${pct(v)}`).join(", ")
      }). Intervals come from the backtest's own errors; on held-out days the 80% interval covered ` +
      `${pct(f.coverage80)} and the 95% interval ${pct(f.coverage95)}. The total's interval is simulated ` +
      `from the backtest's errors (each fold's level plus daily noise), not by adding daily bounds.`,
    ...(f.recurring.length
      ? [
        `Recurring monthly charges are forecast on their days: ${
          f.recurring.map((r) => `${fmt(r.amount)} on day ${r.day}`).join(", ")
        } of each month.`,
      ]
      : []),
    ...(Math.abs(f.bias) >= 0.02
      ? [
        `In the backtest this model ran a median ${pct(Math.abs(f.bias))} too ${
          f.bias > 0 ? "low" : "high"
        }; the intervals, built from those errors, lean the same way.`,
      ]
      : []),
    `**Assumes** the recent pattern continues: new services, price changes and one-off purchases are not foreseen.`,
  );
  if (notes.length) lines.push("", ...notes.map((n) => `_${n}_`));
  const histStart = Math.max(0, series.length - HISTORY_SHOWN);
  const rows: unknown[][] = [
    ...series.slice(histStart).map((p) => [p.date, cents(p.value), null, null, null, null, null]),
    ...f.points.map((
      p,
    ) => [p.date, null, cents(p.forecast), cents(p.lo80), cents(p.hi80), cents(p.lo95), cents(p.hi95)]),
  ];
  const columns = ["date", "actual", "forecast", "lo80", "hi80", "lo95", "hi95"];
  return {
    chart: {
      type: "forecast",
      input: {
        rows: rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i]]))),
        time: "date",
        grain: "day",
        measure: "actual",
        measureTitle: "cost per day",
        money: true,
        currency: cur,
        bands: { lo80: "lo80", hi80: "hi80", lo95: "lo95", hi95: "hi95", forecast: "forecast" },
        title: `Forecast: ${fmt(t.forecast)} for ${target.label}`,
        subtitle: `${measureLabel(plan)}${scopeText({ ...plan, time: { range: null, grain: null } }, meta, false)} · ` +
          `${f.model.replaceAll("_", " ")} model, backtest MAPE ${pct(f.mape)} · shaded: 80% and 95% intervals`,
      },
    },
    text: lines.join("\n"),
    sql: [daily.sql],
    result: table(
      [["date", "date"], ["actual", "number"], ["forecast", "number"], ["lo80", "number"], ["hi80", "number"], [
        "lo95",
        "number",
      ], ["hi95", "number"]],
      rows,
    ),
    plan,
  };
}

function pct(v: number): string {
  return Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : "n/a";
}
