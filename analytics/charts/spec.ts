/**
 * Vega-Lite specs for the chart types FinOps Agent draws, from a neutral {@link ChartInput}.
 * Pure functions: rows in, a JSON spec out. Dates are UTC, money axes carry the dataset's
 * currency, colours are the Okabe–Ito palette (distinguishable with the common forms of
 * colour blindness; Okabe & Ito, 2008).
 *
 * @example
 * buildSpec("bar", {rows: [{service: "EC2", cost: 10}], category: "service", measure: "cost", title: "Cost by service", money: true, currency: "USD"})
 * // → {mark: {type: "bar", …}, encoding: {x: {field: "service", …}, y: {field: "cost", …}}, …}
 * @module
 */
import { CURRENCY_SYMBOLS as SYMBOLS } from "../../static/format.js";

/** The chart types (the design document's nine, plus forecast bands and anomaly marks). */
export const CHART_TYPES = [
  "bar",
  "hbar",
  "line",
  "donut",
  "stacked_bar",
  "scatter",
  "area",
  "heatmap",
  "grouped_bar",
  "forecast",
  "anomalies",
] as const;

/** One chart type. */
export type ChartType = typeof CHART_TYPES[number];

/** What a chart is drawn from: rows and the roles of their fields. */
export interface ChartInput {
  rows: Record<string, unknown>[];
  /** A date field (ISO `YYYY-MM-DD`), for time on the x axis. */
  time?: string;
  /** Grain of `time`: days are drawn on a continuous axis, longer periods as labelled bands. */
  grain?: "day" | "week" | "month" | "quarter" | "year";
  /** The first category field. */
  category?: string;
  /** A second category field (colour of stacked/grouped bars, rows of a heatmap). */
  series?: string;
  /** The main numeric field. */
  measure: string;
  /** A second numeric field (scatter's y; the moving average of a line). */
  measure2?: string;
  /** Axis titles of the measures. */
  measureTitle?: string;
  measure2Title?: string;
  title: string;
  subtitle?: string;
  money: boolean;
  currency: string | null;
  /** Forecast charts: fields of the 80 % and 95 % bounds; anomaly charts: the flag field. */
  bands?: { lo80: string; hi80: string; lo95: string; hi95: string; forecast: string };
  /** Value labels carry a sign (changes: "+$1,828"). */
  signed?: boolean;
  flag?: string;
  /** Anomaly charts: incidents drawn as shaded spans (ISO dates, `end` inclusive). */
  spans?: { start: string; end: string; label: string }[];
}

/** A Vega-Lite spec as JSON. */
export type VegaLiteSpec = Record<string, unknown>;

/** Okabe–Ito, without yellow (too light on white) and black (reserved for text). */
export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#8C6D31", "#7F7F7F"];
/** Colour of the "Other" bucket. */
export const OTHER_COLOR = "#BBBBBB";
/** Label of the bucket that gathers the smaller categories. */
export const OTHER = "Other";

/**
 * A Vega expression formatting `datum.value` as money in the chart's currency. One format per
 * axis: `$12,000` up to six figures, `$120k` / `$1.2M` beyond (`big`), never a mix of both;
 * cents on an axis whose values stay under 10 (`small`: "$0.50", not "$0, $1, $1").
 */
export function moneyExpr(currency: string | null, big = false, field = "datum.value", small = false): string {
  const sym = currency ? SYMBOLS[currency] : undefined;
  const body = big
    ? `replace(format(abs(${field}), '.3~s'), 'G', 'B')`
    : `format(abs(${field}), '${small ? ",.2~f" : ",.0f"}')`;
  const signed = `(${field} < 0 ? '-' : '') + ${sym ? `'${sym}' + ` : ""}${body}`;
  return sym || !currency ? signed : `${signed} + ' ${currency}'`;
}

/**
 * Value labels: whole units from 1,000 up, cents below, in one format for the whole chart; an
 * amount under a cent keeps three significant digits (as the answer text writes it, never "$0.00").
 */
function moneyLabelExpr(currency: string | null, field: string, max: number, plus = false): string {
  const sym = currency ? SYMBOLS[currency] : undefined;
  const cents = `format(abs(${field}), '${max >= 1000 ? ",.0f" : ",.2f"}')`;
  const body = `(abs(${field}) > 0 && abs(${field}) < 0.01 ? format(abs(${field}), '.3r') : ${cents})`;
  const signed = `(${field} < 0 ? '-' : ${plus ? "'+'" : "''"}) + ${sym ? `'${sym}' + ` : ""}${body}`;
  return sym || !currency ? signed : `${signed} + ' ${currency}'`;
}

/** Largest absolute value of a field (for choosing one number format per chart). */
function maxAbs(rows: Record<string, unknown>[], ...fields: string[]): number {
  let m = 0;
  for (const r of rows) for (const f of fields) m = Math.max(m, Math.abs(Number(r[f]) || 0));
  return m;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * A period's label for a band axis: `Mar 2025`, `2025 Q2`, `2025`, `wk 2025-03-03`.
 *
 * @example
 * periodText("2025-04-01", "quarter") // → "2025 Q2"
 */
export function periodText(iso: string, grain: ChartInput["grain"]): string {
  const [y, m] = [iso.slice(0, 4), Number(iso.slice(5, 7))];
  if (grain === "month") return `${MONTHS[m - 1]} ${y}`;
  if (grain === "quarter") return `${y} Q${Math.floor((m - 1) / 3) + 1}`;
  if (grain === "year") return y;
  if (grain === "week") return `wk ${iso.slice(0, 10)}`;
  return iso.slice(0, 10);
}

/**
 * Keeps the `n − 1` largest categories and sums the rest into "Other", so a chart stays
 * readable (and its total stays right). Rows of several series are grouped per `by` value.
 *
 * @example
 * topWithOther([{s: "a", v: 5}, {s: "b", v: 3}, {s: "c", v: 1}], "s", "v", 2) // → [{s: "a", v: 5}, {s: "Other", v: 4}]
 */
export function topWithOther(
  rows: Record<string, unknown>[],
  field: string,
  measure: string,
  n: number,
  by?: string,
): Record<string, unknown>[] {
  const totals = new Map<string, number>();
  for (const r of rows) {
    totals.set(String(r[field]), (totals.get(String(r[field])) ?? 0) + Math.abs(Number(r[measure]) || 0));
  }
  if (totals.size <= n) return rows;
  const keep = new Set([...totals].sort((a, b) => b[1] - a[1]).slice(0, n - 1).map(([k]) => k));
  const out: Record<string, unknown>[] = [];
  const other = new Map<string, Record<string, unknown>>();
  for (const r of rows) {
    if (keep.has(String(r[field]))) {
      out.push(r);
      continue;
    }
    const key = by ? String(r[by]) : "";
    const o = other.get(key) ?? { ...(by ? { [by]: r[by] } : {}), [field]: OTHER, [measure]: 0 };
    o[measure] = Number(o[measure]) + (Number(r[measure]) || 0);
    other.set(key, o);
  }
  return [...out, ...other.values()];
}

function base(input: ChartInput, width = 720, height = 360): VegaLiteSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: input.title, ...(input.subtitle ? { subtitle: input.subtitle } : {}), anchor: "start" },
    width,
    height,
    background: "white",
    padding: 12,
    config: {
      font: "Inter",
      title: { fontSize: 16, fontWeight: 600, subtitleFontSize: 12, subtitleColor: "#555", offset: 12 },
      axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 500, labelColor: "#333", gridColor: "#eee" },
      legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 260, orient: "bottom", columns: 3 },
      view: { stroke: null },
      range: { category: PALETTE },
    },
  };
}

function yMoney(input: ChartInput, field = input.measure, title = input.measureTitle): Record<string, unknown> {
  const fields = [field, input.measure2, input.bands?.hi95].filter((f): f is string => Boolean(f));
  return {
    field,
    type: "quantitative",
    title: title ?? field,
    axis: input.money
      ? {
        labelExpr: moneyExpr(
          input.currency,
          maxAbs(input.rows, ...fields) >= 100_000,
          "datum.value",
          maxAbs(input.rows, ...fields) < 10,
        ),
      }
      : { format: ",~r" },
  };
}

function timeX(input: ChartInput, field = input.time!): Record<string, unknown> {
  if (input.grain && input.grain !== "day") {
    return { field: "__period", type: "ordinal", sort: null, title: null, axis: { labelAngle: 0, labelOverlap: true } };
  }
  return {
    field,
    type: "temporal",
    timeUnit: "utcyearmonthdate",
    title: null,
    axis: { format: "%b %d", labelOverlap: true, tickCount: 8 },
  };
}

function withPeriods(input: ChartInput): Record<string, unknown>[] {
  if (!input.time || !input.grain || input.grain === "day") return input.rows;
  return input.rows.map((r) => ({ ...r, __period: periodText(String(r[input.time!]), input.grain) }));
}

function colorOf(field: string, rows: Record<string, unknown>[], title?: string): Record<string, unknown> {
  const values = [...new Set(rows.map((r) => String(r[field])))];
  const ordered = [...values.filter((v) => v !== OTHER), ...values.filter((v) => v === OTHER)];
  const range = ordered.map((v, i) => (v === OTHER ? OTHER_COLOR : PALETTE[i % PALETTE.length]));
  return { field, type: "nominal", title: title ?? field, scale: { domain: ordered, range }, sort: ordered };
}

function tooltip(input: ChartInput, fields: string[]): Record<string, unknown>[] {
  return fields.filter(Boolean).map((f) =>
    f === input.measure || f === input.measure2
      ? { field: f, type: "quantitative", format: input.money ? ",.2f" : ",~r" }
      : { field: f }
  );
}

/** Builds the Vega-Lite spec of a chart type. */
export function buildSpec(type: ChartType, input: ChartInput): VegaLiteSpec {
  switch (type) {
    case "bar":
    case "hbar":
      return barSpec(input, type === "hbar");
    case "line":
    case "area":
      return lineSpec(input, type === "area");
    case "donut":
      return donutSpec(input);
    case "stacked_bar":
      return stackedSpec(input);
    case "grouped_bar":
      return groupedSpec(input);
    case "scatter":
      return scatterSpec(input);
    case "heatmap":
      return heatmapSpec(input);
    case "forecast":
      return forecastSpec(input);
    case "anomalies":
      return anomalySpec(input);
  }
}

function barSpec(input: ChartInput, horizontal: boolean): VegaLiteSpec {
  const cat = input.category ?? (input.time ? "__period" : undefined);
  const rows = input.time && !input.category ? withPeriods({ ...input, grain: input.grain ?? "month" }) : input.rows;
  const data = input.category
    ? topWithOther(rows, input.category, input.measure, horizontal ? 15 : 12).sort((a, b) =>
      a[input.category!] === OTHER
        ? 1
        : b[input.category!] === OTHER
        ? -1
        : Number(b[input.measure]) - Number(a[input.measure])
    )
    : rows;
  const labels = data.length <= 15;
  const catEnc = {
    field: cat,
    type: "nominal",
    title: null,
    sort: null,
    axis: horizontal ? { labelLimit: 300 } : {
      labelAngle: data.length > 6 || data.some((r) => String(r[cat!]).length > 14) ? -35 : 0,
      labelLimit: 240,
    },
  };
  const valEnc = yMoney(input);
  const height = horizontal ? Math.max(160, data.length * 26) : 360;
  const spec = base(input, horizontal ? 620 : 720, height);
  const barColor = { value: PALETTE[0] };
  const layers: Record<string, unknown>[] = [{
    mark: { type: "bar", cornerRadiusEnd: 2 },
    encoding: {
      ...(horizontal ? { y: catEnc, x: valEnc } : { x: catEnc, y: valEnc }),
      color: barColor,
      tooltip: tooltip(input, [cat!, input.measure]),
    },
  }];
  if (labels) {
    layers.push({
      mark: horizontal
        ? { type: "text", align: "left", dx: 4, fontSize: 10, color: "#333" }
        : { type: "text", baseline: "bottom", dy: -3, fontSize: 10, color: "#333" },
      encoding: {
        ...(horizontal ? { y: catEnc, x: valEnc } : { x: catEnc, y: valEnc }),
        text: input.money
          ? { field: "__label", type: "nominal" }
          : { field: input.measure, type: "quantitative", format: ",~r" },
      },
      transform: input.money
        ? [{
          calculate: moneyLabelExpr(
            input.currency,
            `datum['${input.measure}']`,
            maxAbs(data, input.measure),
            input.signed,
          ),
          as: "__label",
        }]
        : [],
    });
  }
  return { ...spec, data: { values: data }, layer: layers };
}

function lineSpec(input: ChartInput, area: boolean): VegaLiteSpec {
  const periods = withPeriods(input);
  const rows = input.category
    ? topWithOther(
      periods,
      input.category,
      input.measure,
      8,
      input.grain && input.grain !== "day" ? "__period" : input.time,
    )
    : periods;
  const x = timeX(input);
  const spec = base(input);
  const color = input.category ? colorOf(input.category, rows, input.category) : { value: PALETTE[0] };
  const layers: Record<string, unknown>[] = [{
    mark: area
      ? { type: "area", line: true, opacity: input.category ? 0.85 : 0.3 }
      : { type: "line", strokeWidth: 2, point: rows.length <= 40 },
    encoding: { x, y: yMoney(input), color, tooltip: tooltip(input, [input.time!, input.category!, input.measure]) },
  }];
  if (!area && !input.category) {
    // A light fill under a single line reads as "amount", as the design document's line chart has.
    layers.unshift({ mark: { type: "area", opacity: 0.12, color: PALETTE[0] }, encoding: { x, y: yMoney(input) } });
  }
  if (input.measure2) {
    layers.push({
      mark: { type: "line", strokeWidth: 2.5, color: PALETTE[1] },
      encoding: { x, y: { field: input.measure2, type: "quantitative" } },
    });
  }
  return { ...spec, data: { values: rows }, layer: layers };
}

function donutSpec(input: ChartInput): VegaLiteSpec {
  const cat = input.category!;
  const rows = topWithOther(input.rows.filter((r) => Number(r[input.measure]) > 0), cat, input.measure, 8);
  const spec = base(input, 360, 360);
  const color = colorOf(cat, rows, null as unknown as string);
  return {
    ...spec,
    data: { values: rows },
    transform: [
      { joinaggregate: [{ op: "sum", field: input.measure, as: "__total" }] },
      { calculate: `datum['${input.measure}'] / datum.__total`, as: "__share" },
      { calculate: `datum['${cat}'] + '  ' + format(datum.__share, '.1%')`, as: "__legend" },
    ],
    encoding: {
      theta: { field: input.measure, type: "quantitative", stack: true },
      color: {
        ...color,
        field: "__legend",
        scale: {
          domain: legendDomain(rows, cat, input.measure),
          range: color.scale && (color.scale as { range: string[] }).range,
        },
        sort: null,
        title: null,
      },
      tooltip: [{ field: cat }, { field: input.measure, format: ",.2f" }, {
        field: "__share",
        format: ".1%",
        title: "share",
      }],
    },
    layer: [
      { mark: { type: "arc", innerRadius: 80, outerRadius: 160, stroke: "white", strokeWidth: 1 } },
      {
        mark: { type: "text", radius: 122, fontSize: 11, fontWeight: 600, color: "white" },
        encoding: {
          text: { field: "__share", format: ".0%" },
          opacity: { condition: { test: "datum.__share >= 0.05", value: 1 }, value: 0 },
        },
      },
    ],
    config: { ...(spec.config as object), legend: { orient: "right", labelFontSize: 11, labelLimit: 380, columns: 1 } },
  };
}

/** Donut legend entries in the order the colours were assigned: "EC2  42.1%". */
function legendDomain(rows: Record<string, unknown>[], cat: string, measure: string): string[] {
  const total = rows.reduce((s, r) => s + Number(r[measure]), 0);
  const keys = [...new Set(rows.map((r) => String(r[cat])))];
  const ordered = [...keys.filter((k) => k !== OTHER), ...keys.filter((k) => k === OTHER)];
  return ordered.map((k) => {
    const v = rows.filter((r) => String(r[cat]) === k).reduce((s, r) => s + Number(r[measure]), 0);
    return `${k}  ${(Math.round((v / total) * 1000) / 10).toFixed(1)}%`;
  });
}

function stackedSpec(input: ChartInput): VegaLiteSpec {
  const cat = input.category!;
  const by = input.time ? (input.grain && input.grain !== "day" ? "__period" : input.time) : input.series;
  const rows = topWithOther(withPeriods({ ...input, grain: input.grain ?? "month" }), cat, input.measure, 8, by);
  const spec = base(input);
  return {
    ...spec,
    data: { values: rows },
    mark: { type: "bar" },
    encoding: {
      x: input.time
        ? timeX({ ...input, grain: input.grain === "day" ? "day" : input.grain ?? "month" })
        : { field: input.series, type: "nominal" },
      y: { ...yMoney(input), stack: "zero" },
      color: colorOf(cat, rows, input.category),
      order: { field: input.measure, type: "quantitative", sort: "descending" },
      tooltip: tooltip(input, [input.time ? "__period" : input.series!, cat, input.measure]),
    },
  };
}

function groupedSpec(input: ChartInput): VegaLiteSpec {
  const cat = input.category!;
  const series = input.series!;
  const rows = topWithOther(input.rows, cat, input.measure, 10, series);
  const spec = base(input);
  return {
    ...spec,
    data: { values: rows },
    mark: { type: "bar" },
    encoding: {
      x: {
        field: cat,
        type: "nominal",
        title: null,
        axis: {
          labelAngle: rows.length > 12 || rows.some((r) => String(r[cat]).length > 14) ? -35 : 0,
          labelLimit: 240,
        },
      },
      xOffset: { field: series, sort: null },
      y: yMoney(input),
      color: { ...colorOf(series, rows, series), sort: null },
      tooltip: tooltip(input, [cat, series, input.measure]),
    },
  };
}

function scatterSpec(input: ChartInput): VegaLiteSpec {
  const spec = base(input, 560, 400);
  return {
    ...spec,
    data: { values: input.rows },
    mark: { type: "point", filled: true, size: 60, opacity: 0.75 },
    encoding: {
      x: yMoney(input),
      y: input.measure2
        ? { field: input.measure2, type: "quantitative", title: input.measure2Title ?? input.measure2 }
        : yMoney(input),
      color: input.category
        ? colorOf(input.category, topWithOther(input.rows, input.category, input.measure, 8))
        : { value: PALETTE[0] },
      tooltip: tooltip(input, [input.category!, input.measure, input.measure2!]),
    },
  };
}

function heatmapSpec(input: ChartInput): VegaLiteSpec {
  const x = input.time ? "__period" : input.series!;
  const rows = input.time ? withPeriods({ ...input, grain: input.grain ?? "month" }) : input.rows;
  const yCount = new Set(rows.map((r) => String(r[input.category!]))).size;
  const xCount = new Set(rows.map((r) => String(r[x]))).size;
  const correlation = !input.money && rows.every((r) => Math.abs(Number(r[input.measure])) <= 1.000001);
  const spec = base(input, Math.min(720, Math.max(240, xCount * 70)), Math.max(120, yCount * 28));
  return {
    ...spec,
    data: { values: rows },
    encoding: {
      x: {
        field: x,
        type: "ordinal",
        sort: null,
        title: null,
        axis: { labelAngle: xCount > 6 || rows.some((r) => String(r[x]).length > 10) ? -35 : 0, labelLimit: 180 },
      },
      y: { field: input.category, type: "nominal", title: null, sort: null, axis: { labelLimit: 240 } },
    },
    layer: [
      {
        mark: { type: "rect", stroke: "white", strokeWidth: 1 },
        encoding: {
          color: {
            field: input.measure,
            type: "quantitative",
            title: input.money ? "cost" : input.measureTitle ?? input.measure,
            scale: correlation ? { scheme: "blueorange", domain: [-1, 1] } : { scheme: "blues" },
            legend: {
              orient: "right",
              ...(input.money ? { labelExpr: moneyExpr(input.currency, maxAbs(rows, input.measure) >= 100_000) } : {}),
            },
          },
          tooltip: tooltip(input, [x, input.category!, input.measure]),
        },
      },
      ...(xCount * yCount <= 120
        ? [{
          mark: { type: "text", fontSize: 10 },
          transform: input.money
            ? [{
              calculate: moneyExpr(input.currency, maxAbs(rows, input.measure) >= 100_000, `datum['${input.measure}']`),
              as: "__label",
            }]
            : [],
          encoding: {
            text: input.money ? { field: "__label" } : { field: input.measure, type: "quantitative", format: ".2f" },
            color: { value: "#222" },
          },
        }]
        : []),
    ],
  };
}

function forecastSpec(input: ChartInput): VegaLiteSpec {
  const b = input.bands!;
  const x = timeX({ ...input, grain: "day" });
  const spec = base(input);
  const y = (field: string) => ({ ...yMoney(input, field), title: input.measureTitle ?? "cost per day" });
  return {
    ...spec,
    data: { values: input.rows },
    layer: [
      {
        mark: { type: "area", color: PALETTE[4], opacity: 0.22 },
        encoding: { x, y: y(b.lo95), y2: { field: b.hi95 } },
      },
      { mark: { type: "area", color: PALETTE[4], opacity: 0.4 }, encoding: { x, y: y(b.lo80), y2: { field: b.hi80 } } },
      {
        mark: { type: "line", color: PALETTE[0], strokeWidth: 1.8 },
        encoding: { x, y: y(input.measure), tooltip: tooltip(input, [input.time!, input.measure]) },
      },
      {
        mark: { type: "line", color: PALETTE[5], strokeWidth: 2, strokeDash: [6, 3] },
        encoding: { x, y: y(b.forecast), tooltip: [{ field: input.time }, { field: b.forecast, format: ",.2f" }] },
      },
      {
        // A small key, since layered marks have no legend of their own.
        data: {
          values: [
            { k: "actual", c: PALETTE[0] },
            { k: "forecast", c: PALETTE[5] },
            { k: "80% interval", c: "#A9D6F2" },
            { k: "95% interval", c: "#D5ECF9" },
          ],
        },
        mark: { type: "point", shape: "square", filled: true, size: 0 },
        encoding: {
          color: {
            field: "k",
            type: "nominal",
            title: null,
            scale: {
              domain: ["actual", "forecast", "80% interval", "95% interval"],
              range: [PALETTE[0], PALETTE[5], "#A9D6F2", "#D5ECF9"],
            },
            legend: { orient: "top", symbolType: "square", symbolSize: 120, direction: "horizontal", columns: 4 },
          },
        },
      },
    ],
  };
}

function anomalySpec(input: ChartInput): VegaLiteSpec {
  const x = timeX({ ...input, grain: "day" });
  const spec = base(input);
  const flag = input.flag ?? "anomaly";
  // Incidents as shaded spans behind the line: a day-long incident spans its whole day.
  const spans = (input.spans ?? []).map((sp) => ({
    ...sp,
    start: `${sp.start}T00:00:00Z`,
    end: new Date(Date.parse(`${sp.end}T00:00:00Z`) + 86_400_000).toISOString(),
  }));
  return {
    ...spec,
    data: { values: input.rows },
    layer: [
      ...(spans.length
        ? [{
          data: { values: spans },
          mark: { type: "rect", color: PALETTE[5], opacity: 0.14 },
          encoding: {
            x: { ...x, field: "start" },
            x2: { field: "end" },
            tooltip: [{ field: "label", title: "incident" }],
          },
        }]
        : []),
      {
        mark: { type: "line", color: PALETTE[0], strokeWidth: 1.6 },
        encoding: { x, y: yMoney(input), tooltip: tooltip(input, [input.time!, input.measure]) },
      },
      ...(input.measure2
        ? [{
          mark: { type: "line", color: "#888", strokeDash: [4, 3], strokeWidth: 1.2 },
          encoding: { x, y: { field: input.measure2, type: "quantitative" } },
        }]
        : []),
      {
        transform: [{ filter: `datum['${flag}'] != null` }],
        mark: {
          type: "point",
          shape: "circle",
          size: 120,
          filled: true,
          color: PALETTE[5],
          stroke: "white",
          strokeWidth: 1.5,
        },
        encoding: {
          x,
          y: { field: input.measure, type: "quantitative" },
          tooltip: [{ field: input.time }, { field: flag }],
        },
      },
      {
        transform: [{ filter: `datum['${flag}'] != null` }],
        mark: { type: "text", dy: -14, fontSize: 11, fontWeight: 600, color: PALETTE[5] },
        encoding: { x, y: { field: input.measure, type: "quantitative" }, text: { field: flag } },
      },
    ],
  };
}
