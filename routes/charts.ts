/**
 * `GET /charts/{file}`: a chart's PNG (`{id}.png`) or the Vega-Lite spec it was drawn from
 * (`{id}.json`), for the session that drew it, while the session lives.
 * @module
 */
import { createRoute, z } from "@hono/zod-openapi";
import { NotFoundError } from "../errors.ts";
import { checkChart, getChartPng, getChartSpec } from "../memory/charts.ts";
import type { VegaLiteSpec } from "../analytics/charts/spec.ts";
import type { App, AppDeps } from "./deps.ts";
import { errorResponses } from "./schemas.ts";

const ChartParams = z.object({
  file: z.string().openapi({ param: { name: "file", in: "path" }, example: "q1w2e3r4t5y6u7i8o9p0aa.png" }),
});

const chart = createRoute({
  method: "get",
  path: "/charts/{file}",
  tags: ["charts"],
  summary: "A chart as PNG (`{id}.png`, the `chart_url` of a query response), or its Vega-Lite spec (`{id}.json`)",
  request: { params: ChartParams },
  responses: {
    200: {
      description: "The PNG, or the spec with its data inline (render it with vega-embed)",
      content: {
        "image/png": { schema: z.string().openapi({ format: "binary" }) },
        "application/json": { schema: z.record(z.string(), z.any()) },
      },
    },
    ...errorResponses(404),
  },
});

const FILE = /^([A-Za-z0-9_-]{16,64})\.(png|json)$/;

/** Registers the chart route. */
export function chartRoutes(app: App, deps: AppDeps): void {
  app.openapi(chart, async (c) => {
    const m = c.req.valid("param").file.match(FILE);
    if (!m) throw new NotFoundError(`Chart '${c.req.valid("param").file}' not found`);
    const etag = `"${m[1]}.${m[2]}"`;
    if (m[2] === "json") {
      const spec = await getChartSpec(deps.kv, m[1], c.get("owner"));
      c.header("cache-control", "private, max-age=86400, immutable");
      c.header("etag", etag);
      return c.json(spec as Record<string, unknown>, 200);
    }
    const headers = {
      "content-type": "image/png",
      // The id names one immutable image; private because it belongs to one session.
      "cache-control": "private, max-age=86400, immutable",
      etag,
    };
    if (c.req.header("if-none-match") === etag) {
      await checkChart(deps.kv, m[1], c.get("owner")); // still the caller's, and still there
      return c.body(null, 304, headers);
    }
    // Drawn on the first request (most charts are only drawn by the page, from the spec).
    const png = await getChartPng(deps.kv, m[1], c.get("owner"), (spec) => deps.charts.render(spec as VegaLiteSpec));
    return c.body(png as Uint8Array<ArrayBuffer>, 200, headers);
  });
}
