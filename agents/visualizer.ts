/**
 * The visualizer: which chart a question and its result call for, and the chart's input.
 * Pure: the chart is chosen from the words ("as a pie", "horizontal bars") and the shape of
 * the result (time + one measure → line; time + category → stacked bars; a share of ≤ 8
 * categories → donut; two categories → heatmap; two periods → grouped bars).
 *
 * @example
 * requestedChart("show that as a pie") // → "donut"
 * @module
 */
import type { ResultSet } from "../analytics/arrow_json.ts";
import { type ChartInput, type ChartType } from "../analytics/charts/spec.ts";
import type { DatasetMeta } from "../analytics/dataset.ts";
import { columnLabel, isMoney, measureLabel } from "./answer.ts";
import type { CompiledQuery } from "./compiler.ts";
import { describeRange } from "./time.ts";
import type { QueryPlan } from "./types.ts";

const REQUESTS: [RegExp, ChartType][] = [
  [/\b(pie|donut|doughnut)\b/, "donut"],
  [/\bheat ?maps?\b/, "heatmap"],
  [/\bscatter\b/, "scatter"],
  [/\bstacked\b/, "stacked_bar"],
  [/\b(grouped|side by side|side-by-side|clustered)\b/, "grouped_bar"],
  [/\bhorizontal\b/, "hbar"],
  [/\barea\b/, "area"],
  [/\bline\b/, "line"],
  [/\b(bars?|columns?|histogram)\b/, "bar"],
];

/** The chart type a question asks for by name, if any. */
export function requestedChart(text: string): ChartType | null {
  const t = text.toLowerCase();
  return REQUESTS.find(([re]) => re.test(t))?.[1] ?? null;
}

/** A chart decision: the type, its input, and a note when the request could not be met. */
export interface ChartChoice {
  type: ChartType;
  input: ChartInput;
  note?: string;
}

/** The shape of a result, in chart terms. */
export interface ResultShape {
  time: boolean;
  categories: number;
  measures: number;
  rows: number;
  compare: boolean;
}

/** Types that fit a result's shape, the best first. */
export function fittingTypes(shape: ResultShape, share: boolean): ChartType[] {
  if (shape.rows < 2 && !shape.compare) return [];
  if (shape.compare) {
    return shape.categories ? ["grouped_bar", "scatter", "hbar", "bar", "heatmap"] : ["bar", "hbar"];
  }
  if (shape.time && shape.categories === 0) return ["line", "area", "bar"];
  if (shape.time && shape.categories >= 1) return ["stacked_bar", "line", "area", "heatmap", "grouped_bar"];
  if (shape.categories >= 2) return ["heatmap", "stacked_bar", "grouped_bar"];
  if (shape.categories === 1) {
    const pie: ChartType[] = share && shape.rows <= 8 ? ["donut"] : [];
    return [...pie, "bar", "hbar", "donut"];
  }
  return [];
}

const TYPE_WORDS: Record<ChartType, string> = {
  bar: "a bar chart",
  hbar: "horizontal bars",
  line: "a line chart",
  donut: "a donut chart",
  stacked_bar: "stacked bars",
  scatter: "a scatter plot",
  area: "an area chart",
  heatmap: "a heatmap",
  grouped_bar: "grouped bars",
  forecast: "a forecast chart",
  anomalies: "an anomaly chart",
};

/**
 * Picks a chart type: the requested one when the result can be drawn that way, otherwise the
 * best fit, with a note saying why the request was not followed.
 */
export function pickType(
  requested: ChartType | null,
  fits: ChartType[],
): { type: ChartType | null; note?: string } {
  if (!fits.length) return { type: null };
  if (!requested || fits.includes(requested)) return { type: requested ?? fits[0] };
  return {
    type: fits[0],
    note: `This result can't be drawn as ${TYPE_WORDS[requested]}; it is drawn as ${TYPE_WORDS[fits[0]]} instead.`,
  };
}

/** Subtitle: basis, period and filters, so a chart says what it plots. */
export function chartSubtitle(plan: QueryPlan, meta: DatasetMeta, currency: string | null): string {
  const parts = [measureLabel(plan)];
  if (plan.compare) parts.push(`${describeRange(plan.compare.a)} vs ${describeRange(plan.compare.b)}`);
  else if (plan.time.range) parts.push(describeRange(plan.time.range));
  else if (meta.dateRange) parts.push(`${meta.dateRange.start} to ${meta.dateRange.end}`);
  for (const f of plan.filters) {
    const vals = f.values.length > 3 ? `${f.values.slice(0, 3).join(", ")}…` : f.values.join(", ");
    parts.push(`${f.op === "in" ? "" : "excluding "}${columnLabel(f.column)}: ${vals}`);
  }
  if (currency) parts.push(currency);
  return parts.join(" · ");
}

/**
 * The chart of a plain query's result, or null when there is nothing worth drawing (a single
 * number). `requested` is the type the user named.
 */
export function chartForQuery(
  plan: QueryPlan,
  compiled: CompiledQuery,
  rs: ResultSet,
  meta: DatasetMeta,
  requested: ChartType | null,
): ChartChoice | null {
  let rows = rs.rows.map((r) => Object.fromEntries(rs.columns.map((c, i) => [c.name, r[i]])));
  let currency = meta.currency;
  const notes: string[] = [];
  if (compiled.byCurrency) {
    // One chart, one currency: the largest, named in the subtitle.
    const totals = new Map<string, number>();
    for (const r of rows) {
      totals.set(
        String(r.BillingCurrency),
        (totals.get(String(r.BillingCurrency)) ?? 0) + Math.abs(Number(r[compiled.valueColumn]) || 0),
      );
    }
    currency = [...totals].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
    if (totals.size > 1) {
      notes.push(
        `The chart shows the ${currency} charges only; amounts in different currencies are not drawn on one axis.`,
      );
    }
    rows = rows.filter((r) => String(r.BillingCurrency) === currency);
  } else if (!currency) {
    currency = plan.filters.find((f) => f.column === "BillingCurrency" && f.op === "in")?.values[0] ?? null;
  }
  const dims = compiled.dimensions.filter((d) => d !== "BillingCurrency");
  const money = isMoney(plan);
  const shape: ResultShape = {
    time: Boolean(compiled.timeColumn),
    categories: dims.length,
    measures: 1,
    rows: rows.length,
    compare: Boolean(plan.compare),
  };
  const picked = pickType(requested, fittingTypes(shape, Boolean(plan.share)));
  if (!picked.type) return null;
  if (picked.note) notes.push(picked.note);
  const subtitle = chartSubtitle(plan, meta, currency);
  const base: ChartInput = {
    rows,
    measure: compiled.valueColumn,
    measureTitle: measureLabel(plan).toLowerCase(),
    money,
    currency,
    title: "",
    subtitle,
  };
  const type = picked.type;
  let input: ChartInput;
  if (plan.compare) {
    const { a, b } = plan.compare;
    const cat = dims[0];
    if (type === "scatter") {
      input = {
        ...base,
        category: cat,
        measure: a.label,
        measure2: b.label,
        measureTitle: a.label,
        measure2Title: b.label,
      };
      input.title = `${a.label} vs ${b.label} by ${columnLabel(cat)}`;
    } else if (!cat) {
      input = {
        ...base,
        rows: [{ period: a.label, value: rows[0]?.[a.label] }, { period: b.label, value: rows[0]?.[b.label] }],
        category: "period",
        measure: "value",
      };
      input.title = `${a.label} vs ${b.label}`;
    } else {
      const long = rows.flatMap((r) => [
        { [cat]: r[cat] ?? "(not set)", period: a.label, value: Number(r[a.label]) },
        { [cat]: r[cat] ?? "(not set)", period: b.label, value: Number(r[b.label]) },
      ]);
      input = { ...base, rows: long, category: cat, series: "period", measure: "value" };
      input.title = `${a.label} vs ${b.label} by ${columnLabel(cat)}`;
    }
  } else if (compiled.timeColumn) {
    const grain = plan.time.grain ?? "day";
    input = { ...base, time: compiled.timeColumn, grain, category: dims[0] };
    input.title = `${measureLabel(plan)} per ${grain}${dims[0] ? ` by ${columnLabel(dims[0])}` : ""}`;
  } else {
    input = { ...base, category: dims[0], series: dims[1] };
    input.title = `${measureLabel(plan)} by ${dims.map(columnLabel).join(" and ")}`;
    if (plan.topN) {
      input.title = `Top ${plan.topN} ${columnLabel(dims[0])}${plan.topN === 1 ? "" : "s"} by ${
        measureLabel(plan).toLowerCase()
      }`;
    }
    if (type === "stacked_bar" || type === "grouped_bar") {
      input = { ...input, category: dims[1] ?? dims[0], series: dims[0] };
    }
    input.rows = input.rows.map((r) => ({
      ...r,
      [dims[0]]: r[dims[0]] ?? "(not set)",
      ...(dims[1] ? { [dims[1]]: r[dims[1]] ?? "(not set)" } : {}),
    }));
  }
  // Long category labels read better along a horizontal axis.
  let finalType = type;
  if (type === "bar" && !requested && input.category && !input.time) {
    const labels = input.rows.map((r) => String(r[input.category!] ?? ""));
    if (labels.length > 8 || labels.some((l) => l.length > 18)) finalType = "hbar";
  }
  return { type: finalType, input, note: notes.join(" ") || undefined };
}

/**
 * The chart of a result with no plan behind it (SQL the LLM wrote): ISO-date columns are time,
 * text columns categories, the first numeric column the measure.
 */
export function chartForRows(
  rs: ResultSet,
  meta: DatasetMeta,
  requested: ChartType | null,
  title: string,
): ChartChoice | null {
  const n = rs.columns.length;
  const present = (i: number) => rs.rows.some((r) => r[i] !== null);
  const isNum = (i: number) => present(i) && rs.rows.every((r) => r[i] === null || typeof r[i] === "number");
  const isDate = (i: number) =>
    present(i) && rs.rows.every((r) => r[i] === null || /^\d{4}-\d{2}-\d{2}/.test(String(r[i])));
  const idx = [...Array(n).keys()];
  const time = idx.find(isDate);
  const measure = idx.find((i) => i !== time && isNum(i));
  if (measure === undefined) return null;
  const cats = idx.filter((i) => i !== time && i !== measure && !isNum(i)).slice(0, 2);
  const shape: ResultShape = {
    time: time !== undefined,
    categories: cats.length,
    measures: 1,
    rows: rs.rows.length,
    compare: false,
  };
  const picked = pickType(requested, fittingTypes(shape, false));
  if (!picked.type) return null;
  const name = (i: number) => rs.columns[i].name;
  const rows = rs.rows.map((r) =>
    Object.fromEntries(
      idx.map((i) => [name(i), i === time && r[i] !== null ? String(r[i]).slice(0, 10) : r[i] ?? "(not set)"]),
    )
  );
  const dates = time === undefined ? [] : rows.map((r) => String(r[name(time)]));
  const monthly = dates.length > 1 && dates.every((d) => d.endsWith("-01"));
  const input: ChartInput = {
    rows,
    measure: name(measure),
    measureTitle: columnLabel(name(measure)).toLowerCase(),
    money: /cost|spend|amount|price|charge|total/i.test(name(measure)),
    currency: meta.currency,
    title,
    subtitle: meta.currency ?? undefined,
    ...(time !== undefined ? { time: name(time), grain: monthly ? "month" as const : "day" as const } : {}),
    ...(cats[0] !== undefined ? { category: name(cats[0]) } : {}),
    ...(cats[1] !== undefined ? { series: name(cats[1]) } : {}),
  };
  return { type: picked.type, input, note: picked.note };
}
