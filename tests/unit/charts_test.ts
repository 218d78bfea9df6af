import assert from "node:assert/strict";
import { pngSize, renderChart } from "../../analytics/charts/render.ts";
import { ChartRenderer } from "../../analytics/charts/renderer.ts";
import { EngineError } from "../../errors.ts";
import {
  buildSpec,
  type ChartInput,
  type ChartType,
  moneyExpr,
  periodText,
  topWithOther,
} from "../../analytics/charts/spec.ts";
import { fittingTypes, pickType, requestedChart } from "../../agents/visualizer.ts";

const t = (name: string, fn: () => void | Promise<void>) => Deno.test({ name, sanitizeResources: false, fn });

const months = ["2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01"];
const services = ["Amazon Elastic Compute Cloud", "Amazon Simple Storage Service", "AWS Lambda"];
const FIXTURES: Record<ChartType, ChartInput> = {
  bar: {
    rows: services.map((s, i) => ({ svc: s, cost: 1000 * (3 - i) + 0.5 })),
    category: "svc",
    measure: "cost",
    title: "Cost by service",
    money: true,
    currency: "USD",
  },
  hbar: {
    rows: services.map((s, i) => ({ svc: s, cost: 20000 * (3 - i) })),
    category: "svc",
    measure: "cost",
    title: "Cost by service",
    money: true,
    currency: "USD",
  },
  line: {
    rows: months.map((m, i) => ({ month: m, cost: 41000 + 1500 * i })),
    time: "month",
    grain: "month",
    measure: "cost",
    title: "Cost per month",
    money: true,
    currency: "USD",
  },
  area: {
    rows: months.map((m, i) => ({ month: m, cost: 41000 + 1500 * i })),
    time: "month",
    grain: "month",
    measure: "cost",
    title: "Cost per month",
    money: true,
    currency: "EUR",
  },
  donut: {
    rows: services.map((s, i) => ({ svc: s, cost: 10 * (i + 1) })),
    category: "svc",
    measure: "cost",
    title: "Share by service",
    money: true,
    currency: "USD",
  },
  stacked_bar: {
    rows: months.flatMap((m) => services.map((s, i) => ({ month: m, svc: s, cost: 100 * (i + 1) }))),
    time: "month",
    grain: "month",
    category: "svc",
    measure: "cost",
    title: "Cost per month by service",
    money: true,
    currency: "USD",
  },
  grouped_bar: {
    rows: services.flatMap((
      s,
      i,
    ) => [{ svc: s, period: "April 2025", v: 100 * (i + 1) }, { svc: s, period: "May 2025", v: 120 * (i + 1) }]),
    category: "svc",
    series: "period",
    measure: "v",
    title: "April vs May",
    money: true,
    currency: "USD",
  },
  scatter: {
    rows: services.map((s, i) => ({ svc: s, a: 100 * (i + 1), b: 90 * (i + 2) })),
    category: "svc",
    measure: "a",
    measure2: "b",
    measure2Title: "May 2025",
    title: "April vs May",
    money: true,
    currency: "USD",
  },
  heatmap: {
    rows: services.flatMap((s, i) =>
      ["us-east-1", "eu-west-1"].map((r, j) => ({ svc: s, region: r, cost: 100 * (i + j + 1) }))
    ),
    category: "svc",
    series: "region",
    measure: "cost",
    title: "Cost by service and region",
    money: true,
    currency: "USD",
  },
  forecast: {
    rows: [
      ...[1, 2, 3].map((d) => ({
        date: `2025-06-2${d}`,
        actual: 100 + d,
        forecast: null,
        lo80: null,
        hi80: null,
        lo95: null,
        hi95: null,
      })),
      ...[1, 2, 3].map((d) => ({
        date: `2025-07-0${d}`,
        actual: null,
        forecast: 105,
        lo80: 95,
        hi80: 115,
        lo95: 90,
        hi95: 120,
      })),
    ],
    time: "date",
    grain: "day",
    measure: "actual",
    money: true,
    currency: "USD",
    title: "Forecast: $315.00 for the next 3 days",
    bands: { lo80: "lo80", hi80: "hi80", lo95: "lo95", hi95: "hi95", forecast: "forecast" },
  },
  anomalies: {
    rows: Array.from(
      { length: 20 },
      (_, i) => ({
        date: `2025-05-${String(i + 1).padStart(2, "0")}`,
        cost: i === 13 ? 900 : 100,
        anomaly: i === 13 ? "+$800" : null,
      }),
    ),
    time: "date",
    grain: "day",
    measure: "cost",
    flag: "anomaly",
    money: true,
    currency: "USD",
    title: "Daily cost with 1 anomaly marked",
  },
};

for (const [type, input] of Object.entries(FIXTURES) as [ChartType, ChartInput][]) {
  t(`charts: ${type} renders a valid PNG whose SVG has its title and formatted values`, async () => {
    const { svg, png, width, height } = await renderChart(
      buildSpec(type, { ...input, subtitle: "Effective cost · test" }),
    );
    const size = pngSize(png);
    assert.ok(size, "PNG signature");
    assert.deepEqual(size, { width, height });
    assert.ok(width >= 600 && width <= 2400 && height >= 300 && height <= 2400, `${width}×${height}`);
    assert.ok(png.byteLength > 5_000, `${png.byteLength} bytes`);
    assert.ok(svg.includes(input.title.replace("$", "$")), "title in the SVG");
    assert.ok(svg.includes("Effective cost · test"), "subtitle in the SVG");
    // Inter is the only font: no text may ask for another.
    assert.ok(!/font-family="(?!Inter)/.test(svg), "only Inter");
    if (input.money && input.currency === "USD" && type !== "donut") {
      assert.match(svg, /\$\d/, "money formatted with $");
    }
    if (type === "donut") assert.match(svg, /\d+\.\d%/, "shares as percentages");
    if (input.currency === "EUR") assert.match(svg, /€\d/, "money formatted with €");
    // Nothing is cut off with an ellipsis.
    assert.ok(!svg.includes("…"), "no truncated label");
  });
}

t("charts: golden details per type", async () => {
  const bar = (await renderChart(buildSpec("bar", FIXTURES.bar))).svg;
  assert.ok(bar.includes("$3,001") && !bar.includes("$3,000.50"), "whole units from 1,000 up");
  const small =
    (await renderChart(buildSpec("bar", { ...FIXTURES.bar, rows: [{ svc: "a", cost: 12.5 }, { svc: "b", cost: 3 }] })))
      .svg;
  assert.ok(small.includes("$12.50") && small.includes("$3.00"), "… cents below");
  const hbar = (await renderChart(buildSpec("hbar", FIXTURES.hbar))).svg;
  assert.ok(hbar.includes("$60,000") && hbar.includes("Amazon Elastic Compute Cloud"), "whole label and value");
  const line = (await renderChart(buildSpec("line", FIXTURES.line))).svg;
  for (const m of ["Jan 2025", "Feb 2025", "Mar 2025", "Apr 2025"]) {
    assert.ok(line.includes(m), `${m} on the axis (UTC)`);
  }
  const donut = (await renderChart(buildSpec("donut", FIXTURES.donut))).svg;
  assert.ok(donut.includes("AWS Lambda  50.0%") && donut.includes("50%"), "legend and slice percentages");
  const fc = (await renderChart(buildSpec("forecast", FIXTURES.forecast))).svg;
  for (const k of ["actual", "forecast", "80% interval", "95% interval"]) assert.ok(fc.includes(k), `key ${k}`);
  const an = (await renderChart(buildSpec("anomalies", FIXTURES.anomalies))).svg;
  assert.ok(an.includes("+$800"), "anomaly labelled");
  const heat = (await renderChart(buildSpec("heatmap", FIXTURES.heatmap))).svg;
  assert.ok(heat.includes("us-east-1") && heat.includes("$400"), "cells labelled");
});

t("charts: many categories become top N + Other with the total kept", () => {
  const rows = Array.from({ length: 20 }, (_, i) => ({ s: `svc-${i}`, v: 20 - i }));
  const out = topWithOther(rows, "s", "v", 8);
  assert.equal(out.length, 8);
  assert.equal(out[7].s, "Other");
  assert.equal(out.reduce((a, r) => a + Number(r.v), 0), rows.reduce((a, r) => a + r.v, 0));
  const byMonth = topWithOther(
    ["m1", "m2"].flatMap((m) => rows.map((r) => ({ ...r, m }))),
    "s",
    "v",
    5,
    "m",
  );
  assert.equal(byMonth.filter((r) => r.s === "Other").length, 2);
});

t("charts: money and period formats", () => {
  assert.equal(periodText("2025-04-01", "quarter"), "2025 Q2");
  assert.equal(periodText("2025-12-01", "month"), "Dec 2025");
  assert.match(moneyExpr("USD"), /'\$'/);
  assert.match(moneyExpr("CAD"), /' CAD'/);
  assert.match(moneyExpr("USD", true), /\.3~s/);
});

const DETECT: [string, Parameters<typeof fittingTypes>[0], boolean, string | null][] = [
  ["time + one measure → line", { time: true, categories: 0, measures: 1, rows: 6, compare: false }, false, "line"],
  [
    "time + category → stacked bars",
    { time: true, categories: 1, measures: 1, rows: 60, compare: false },
    false,
    "stacked_bar",
  ],
  [
    "share of ≤ 8 categories → donut",
    { time: false, categories: 1, measures: 1, rows: 6, compare: false },
    true,
    "donut",
  ],
  [
    "share of many categories → bars",
    { time: false, categories: 1, measures: 1, rows: 12, compare: false },
    true,
    "bar",
  ],
  ["one category → bars", { time: false, categories: 1, measures: 1, rows: 5, compare: false }, false, "bar"],
  ["two categories → heatmap", { time: false, categories: 2, measures: 1, rows: 20, compare: false }, false, "heatmap"],
  [
    "compare by item → grouped bars",
    { time: false, categories: 1, measures: 2, rows: 5, compare: true },
    false,
    "grouped_bar",
  ],
  ["compare totals → bars", { time: false, categories: 0, measures: 2, rows: 1, compare: true }, false, "bar"],
  ["a single number → no chart", { time: false, categories: 0, measures: 1, rows: 1, compare: false }, false, null],
];
for (const [name, shape, share, want] of DETECT) {
  t(`chart detection: ${name}`, () => assert.equal(fittingTypes(shape, share)[0] ?? null, want));
}

t("chart detection: a requested type is honoured when it fits, replaced with a note when not", () => {
  assert.equal(requestedChart("show that as a pie"), "donut");
  assert.equal(requestedChart("horizontal bars please"), "hbar");
  assert.equal(requestedChart("plot it as a line"), "line");
  assert.equal(requestedChart("heat map of cost"), "heatmap");
  assert.equal(requestedChart("what is the total"), null);
  const fits = fittingTypes({ time: true, categories: 0, measures: 1, rows: 6, compare: false }, false);
  assert.deepEqual(pickType("area", fits), { type: "area" });
  const p = pickType("donut", fits);
  assert.equal(p.type, "line");
  assert.match(p.note!, /can't be drawn as a donut chart; it is drawn as a line chart instead/);
});

Deno.test({
  name: "chart worker: the same drawing as in-process, errors come back typed, the worker keeps serving",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const charts = new ChartRenderer();
    try {
      const spec = buildSpec("bar", FIXTURES.bar);
      const [inWorker, here] = await Promise.all([charts.render(spec), renderChart(spec)]);
      // Vega numbers clip paths per thread; apart from those ids the drawings are identical.
      const ids = (svg: string) => svg.replace(/\b(clip|gradient|pattern)\d+/g, "$1");
      assert.equal(ids(inWorker.svg), ids(here.svg));
      assert.deepEqual(pngSize(inWorker.png), { width: here.width, height: here.height });
      // Several at once are answered each to its own caller.
      const types: ChartType[] = ["line", "donut", "hbar"];
      const many = await Promise.all(types.map((type) => charts.render(buildSpec(type, FIXTURES[type]))));
      many.forEach((c, i) => assert.ok(c.svg.includes(FIXTURES[types[i]].title), types[i]));
      await assert.rejects(
        // deno-lint-ignore no-explicit-any
        () => charts.render({ mark: "nonsense" } as any),
        (e: unknown) => e instanceof EngineError && /chart could not be drawn/.test(e.message),
      );
      assert.ok(pngSize((await charts.render(spec)).png), "still serving after an error");
    } finally {
      charts.close();
    }
    await assert.rejects(() => charts.render(buildSpec("bar", FIXTURES.bar)), EngineError, "closed means closed");
  },
});

Deno.test({
  name: "chart worker: starts with the first chart, stops after the idle time, starts again for the next",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const charts = new ChartRenderer({ idleMs: 100 });
    try {
      assert.equal(charts.running, false, "nothing drawn yet: no worker");
      const spec = buildSpec("bar", FIXTURES.bar);
      const [a, b] = await Promise.all([charts.render(spec), charts.render(spec)]);
      assert.ok(pngSize(a.png) && pngSize(b.png));
      assert.equal(charts.running, true);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(charts.running, false, "stopped after 100 ms without a chart");
      assert.ok(pngSize((await charts.render(spec)).png));
      assert.equal(charts.running, true);
    } finally {
      charts.close();
    }
  },
});

Deno.test("money labels: an amount under a cent is never '$0.00'; an axis under $10 shows cents, not '$0, $1, $1'", async () => {
  const vl = await import("vega-lite");
  const vega = await import("vega");
  const spec = buildSpec("hbar", {
    rows: [{ s: "Amazon S3", v: 1.44 }, { s: "AWS KMS", v: 0.24 }, { s: "Amazon EFS", v: 0.000945 }],
    category: "s",
    measure: "v",
    title: "Top 3",
    money: true,
    currency: "USD",
  });
  // deno-lint-ignore no-explicit-any
  const view = new vega.View(vega.parse(vl.compile(spec as any).spec), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  assert.ok(texts.includes("$0.000945"), texts.join(" | "));
  assert.ok(!texts.includes("$0.00"), texts.join(" | "));
  const ticks = texts.filter((t) => /^\$\d/.test(t) && !["$1.44", "$0.24", "$0.000945"].includes(t));
  assert.equal(new Set(ticks).size, ticks.length, `no tick label twice: ${ticks.join(", ")}`);
});
