/**
 * Forecasting daily cost with honest intervals.
 *
 * Models: a linear trend (least squares, via simple-statistics), a trend plus day-of-week
 * effects (additive decomposition), and a seasonal naive baseline (same weekday last week).
 * The model is chosen by a rolling-origin backtest (Hyndman & Athanasopoulos, *Forecasting:
 * Principles and Practice*, 3rd ed., §5.10 "time series cross-validation"); its error is
 * reported as MAPE.
 *
 * Intervals are empirical: quantiles of the backtest's relative forecast errors (a split
 * conformal construction, FPP3 §5.5 and Vovk et al.), so their width reflects how wrong the
 * model has actually been on this series. Their coverage is measured by leaving each backtest
 * fold out in turn. The horizon total's interval comes from simulated paths that reuse whole
 * weeks of backtest errors (a block bootstrap), so errors that persist are not averaged away,
 * and it is never the sum of the per-day bounds.
 * @module
 */
import { linearRegression, median, quantile } from "simple-statistics";
import { mulberry32 } from "./random.ts";
import { addDaysIso, type Point, weekday } from "./series.ts";

/** Names of the models compared. */
export type ModelName = "linear_trend" | "trend_weekday" | "seasonal_naive";

/** A fitted model that can extend the series `h` steps. */
interface Fitted {
  predict(h: number): number[];
  /** Recurring monthly charges found in the training series: day of month → amount. */
  recurring?: Map<number, number>;
}

/** Least-squares line through (t, y). */
function fitLinear(y: number[]): Fitted {
  const { m, b } = linearRegression(y.map((v, i) => [i, v]));
  return { predict: (h) => Array.from({ length: h }, (_, k) => b + m * (y.length + k)) };
}

/** Linear trend plus additive day-of-week effects (centred to sum to zero). */
function fitTrendWeekday(y: number[], firstWeekday: number): Fitted {
  const { m, b } = linearRegression(y.map((v, i) => [i, v]));
  const sums = new Array(7).fill(0);
  const counts = new Array(7).fill(0);
  y.forEach((v, i) => {
    const w = (firstWeekday + i) % 7;
    sums[w] += v - (b + m * i);
    counts[w]++;
  });
  const eff = sums.map((s, w) => (counts[w] ? s / counts[w] : 0));
  const mean = eff.reduce((a, c) => a + c, 0) / 7;
  return {
    predict: (h) =>
      Array.from({ length: h }, (_, k) => {
        const t = y.length + k;
        return b + m * t + eff[(firstWeekday + t) % 7] - mean;
      }),
  };
}

/** Same weekday of the last observed week. */
function fitSeasonalNaive(y: number[]): Fitted {
  return { predict: (h) => Array.from({ length: h }, (_, k) => y[y.length - 7 + (k % 7)] ?? y[y.length - 1]) };
}

/**
 * Charges that land on the same day of every month (support plans, subscriptions, monthly
 * fees). A day's excess is its value minus the median of the three days either side; a day of
 * the month whose excess was over 30 % of that local level, with the same sign, in each of its
 * last (up to three, at least two) months is recurring, for the median of those excesses.
 *
 * @example
 * recurringMonthly(valuesWith2000OnEveryFirst, "2025-01-01").byDay // → Map {1 => 2000}
 */
export function recurringMonthly(y: number[], start: string): { byDay: Map<number, number>; excess: number[] } {
  const dom = y.map((_, t) => Number(addDaysIso(start, t).slice(8, 10)));
  const local = y.map((_, t) => {
    const around: number[] = [];
    for (let k = -3; k <= 3; k++) if (k !== 0 && t + k >= 0 && t + k < y.length) around.push(y[t + k]);
    return around.length ? median(around) : y[t];
  });
  const raw = y.map((v, t) => v - local[t]);
  const byDay = new Map<number, number>();
  const seen = new Map<number, number[]>();
  dom.forEach((d, t) => seen.set(d, [...(seen.get(d) ?? []), t]));
  for (const [d, ts] of seen) {
    const last = ts.slice(-3);
    if (last.length < 2) continue;
    const sign = Math.sign(raw[last[0]]);
    const steady = sign !== 0 &&
      last.every((t) => Math.sign(raw[t]) === sign && Math.abs(raw[t]) > 0.3 * Math.abs(local[t]) + 1e-9);
    if (steady) byDay.set(d, median(last.map((t) => raw[t])));
  }
  const excess = y.map((_, t) => {
    const amount = byDay.get(dom[t]);
    return amount !== undefined && Math.sign(raw[t]) === Math.sign(amount) && Math.abs(raw[t]) > 0.5 * Math.abs(amount)
      ? raw[t]
      : 0;
  });
  return { byDay, excess };
}

/**
 * Fits a model to the series without its recurring monthly charges, and adds them back on
 * their days: a trend line or weekday pattern cannot learn a charge that comes once a month.
 */
function fit(name: ModelName, y: number[], firstWeekday: number, start?: string): Fitted {
  const rec = start ? recurringMonthly(y, start) : { byDay: new Map<number, number>(), excess: y.map(() => 0) };
  const adj = y.map((v, t) => v - rec.excess[t]);
  const base = name === "linear_trend"
    ? fitLinear(adj)
    : name === "trend_weekday"
    ? fitTrendWeekday(adj, firstWeekday)
    : fitSeasonalNaive(adj);
  if (!rec.byDay.size || !start) return base;
  return {
    recurring: rec.byDay,
    predict: (h) =>
      base.predict(h).map((v, k) => v + (rec.byDay.get(Number(addDaysIso(start, y.length + k).slice(8, 10))) ?? 0)),
  };
}

/** One backtest fold: forecasts and actuals from one origin. */
interface Fold {
  forecast: number[];
  actual: number[];
}

/**
 * Rolling-origin backtest: origins every 7 days back from the end, each forecasting `h` days.
 *
 * @example
 * backtest(series, "linear_trend", 14).mape // → e.g. 0.042 (4.2 %)
 */
export function backtest(
  values: number[],
  model: ModelName,
  h: number,
  firstWeekday: number,
  minTrain = 14,
  maxFolds = 10,
  start?: string,
): { folds: Fold[]; mape: number } {
  const folds: Fold[] = [];
  for (let origin = values.length - h; origin >= minTrain && folds.length < maxFolds; origin -= 7) {
    const f = fit(model, values.slice(0, origin), firstWeekday, start).predict(h);
    folds.push({ forecast: f, actual: values.slice(origin, origin + h) });
  }
  let sum = 0;
  let n = 0;
  for (const fold of folds) {
    fold.actual.forEach((a, i) => {
      if (Math.abs(a) > 1e-9) {
        sum += Math.abs((a - fold.forecast[i]) / a);
        n++;
      }
    });
  }
  return { folds, mape: n ? sum / n : NaN };
}

function relErrors(folds: Fold[]): number[] {
  const out: number[] = [];
  for (const f of folds) {
    f.actual.forEach((a, i) => {
      if (Math.abs(f.forecast[i]) > 1e-9) out.push((a - f.forecast[i]) / Math.abs(f.forecast[i]));
    });
  }
  return out;
}

/** A forecast period with its intervals. */
export interface ForecastPoint {
  date: string;
  forecast: number;
  lo80: number;
  hi80: number;
  lo95: number;
  hi95: number;
}

/** The full result of {@link forecastDaily}. */
export interface ForecastResult {
  model: ModelName;
  /** Backtest MAPE of the chosen model (0.05 = 5 %), and of every model compared. */
  mape: number;
  mapeByModel: Record<ModelName, number>;
  /** Share of held-out backtest points inside the 80 % and 95 % intervals. */
  coverage80: number;
  coverage95: number;
  /** Charges recurring on a day of the month, forecast on their days: day → amount. */
  recurring: { day: number; amount: number }[];
  /** Median relative backtest error, (actual − forecast) ÷ forecast: > 0 means forecasts ran low. */
  bias: number;
  folds: number;
  points: ForecastPoint[];
  total: { forecast: number; lo80: number; hi80: number; lo95: number; hi95: number };
  /** The simulated horizon totals the total's interval is read from (2,000 paths), for probabilities. */
  simulated: number[];
}

/** Thrown (as a value) when the history is too short to forecast honestly. */
export interface NotEnoughHistory {
  error: "not_enough_history";
  days: number;
  needed: number;
}

/**
 * Forecasts a dense daily series `h` days ahead with 80 % and 95 % intervals per day and for
 * the horizon total (or the total from day `totalFrom` on, when the target period starts after
 * a gap: "next month" seen from the middle of this one).
 *
 * @example
 * const r = forecastDaily(series, 30);
 * if (!("error" in r)) r.total // → {forecast: 12345.6, lo80: …, hi80: …, lo95: …, hi95: …}
 */
export function forecastDaily(
  series: Point[],
  h: number,
  opts: { seed?: number; minDays?: number; totalFrom?: number } = {},
):
  | ForecastResult
  | NotEnoughHistory {
  const minDays = opts.minDays ?? 14;
  if (series.length < minDays) return { error: "not_enough_history", days: series.length, needed: minDays };
  const y = series.map((p) => p.value);
  const w0 = weekday(series[0].date);
  const hb = Math.max(7, Math.min(h, 28, Math.floor(series.length / 3)));
  const models: ModelName[] = ["linear_trend", "trend_weekday", "seasonal_naive"];
  const start = series[0].date.slice(0, 10);
  const results = models.map((m) => ({ m, ...backtest(y, m, hb, w0, Math.min(14, series.length - hb), 10, start) }));
  const usable = results.filter((r) => r.folds.length >= 2 && Number.isFinite(r.mape));
  // Enough days to fit, too few for two back-test folds of this horizon: the need stated is
  // what two folds take, never fewer days than the series already has (a refusal must not
  // contradict its own figures).
  if (!usable.length) {
    return { error: "not_enough_history", days: series.length, needed: Math.max(series.length + 1, 14 + 2 * hb) };
  }
  const best = usable.reduce((a, b) => (b.mape < a.mape ? b : a));
  const errs = relErrors(best.folds);
  const q = (p: number) => quantile(errs, p);

  // Coverage measured honestly: each fold is checked against quantiles from the other folds.
  let in80 = 0;
  let in95 = 0;
  let tot = 0;
  best.folds.forEach((fold, i) => {
    const others = relErrors(best.folds.filter((_, j) => j !== i));
    if (others.length < 5) return;
    const [a80, b80, a95, b95] = [0.1, 0.9, 0.025, 0.975].map((p) => quantile(others, p));
    fold.actual.forEach((a, k) => {
      const f = fold.forecast[k];
      const s = Math.abs(f);
      if (s < 1e-9) return;
      tot++;
      if (a >= f + a80 * s && a <= f + b80 * s) in80++;
      if (a >= f + a95 * s && a <= f + b95 * s) in95++;
    });
  });

  const final = fit(best.m, y, w0, start);
  const point = final.predict(h).map((v) => Math.max(0, v));
  const lastDate = series[series.length - 1].date;
  const points: ForecastPoint[] = point.map((f, k) => ({
    date: addDaysIso(lastDate, k + 1),
    forecast: f,
    lo80: Math.max(0, f + q(0.1) * f),
    hi80: f + q(0.9) * f,
    lo95: Math.max(0, f + q(0.025) * f),
    hi95: f + q(0.975) * f,
  }));

  // Horizon total: a fold's errors share a level (the model was off for that whole stretch)
  // plus day-to-day noise. Each simulated path takes one fold's level and adds days of noise
  // drawn from all folds, so the total's spread carries the persistent error that adding up
  // independent daily errors would average away.
  const from = Math.max(0, Math.min(h - 1, opts.totalFrom ?? 0));
  const rnd = mulberry32(opts.seed ?? 42);
  const foldErrs = best.folds.map((fold) =>
    fold.actual.map((
      a,
      i,
    ) => (Math.abs(fold.forecast[i]) > 1e-9 ? (a - fold.forecast[i]) / Math.abs(fold.forecast[i]) : 0))
  );
  const levels = foldErrs.map((e) => e.reduce((x, y) => x + y, 0) / Math.max(1, e.length));
  const noise = foldErrs.flatMap((e, i) => e.map((x) => x - levels[i]));
  const sims: number[] = [];
  for (let s = 0; s < 2000; s++) {
    const level = levels[Math.floor(rnd() * levels.length)];
    let total = 0;
    for (let k = from; k < h; k++) {
      total += Math.max(0, point[k] * (1 + level + noise[Math.floor(rnd() * noise.length)]));
    }
    sims.push(total);
  }
  const sumPoint = point.slice(from).reduce((a, b) => a + b, 0);
  return {
    model: best.m,
    mape: best.mape,
    mapeByModel: Object.fromEntries(results.map((r) => [r.m, r.mape])) as Record<ModelName, number>,
    coverage80: tot ? in80 / tot : NaN,
    coverage95: tot ? in95 / tot : NaN,
    bias: quantile(errs, 0.5),
    recurring: [...(final.recurring ?? [])].map(([day, amount]) => ({ day, amount }))
      .sort((a, b) => a.day - b.day),
    folds: best.folds.length,
    points,
    simulated: sims,
    total: {
      forecast: sumPoint,
      lo80: quantile(sims, 0.1),
      hi80: quantile(sims, 0.9),
      lo95: quantile(sims, 0.025),
      hi95: quantile(sims, 0.975),
    },
  };
}

/**
 * Sums daily point forecasts into calendar months. (Intervals belong to days and to the whole
 * horizon; a month's bounds are not the sum of its days' bounds, so none are made up here.)
 *
 * @example
 * monthlyTotals([{date: "2025-07-01", forecast: 2, …}, {date: "2025-07-02", forecast: 3, …}]) // → [{month: "2025-07", forecast: 5}]
 */
export function monthlyTotals(points: ForecastPoint[]): { month: string; forecast: number }[] {
  const by = new Map<string, number>();
  for (const p of points) by.set(p.date.slice(0, 7), (by.get(p.date.slice(0, 7)) ?? 0) + p.forecast);
  return [...by.entries()].map(([month, forecast]) => ({ month, forecast }));
}
