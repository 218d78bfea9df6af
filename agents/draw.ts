/**
 * Draws a chosen chart and keeps it: Vega-Lite spec → PNG (in the chart worker) → KV, with
 * the reply fields.
 * @module
 */
import { buildSpec, type ChartInput, type ChartType } from "../analytics/charts/spec.ts";
import type { ChartRenderer } from "../analytics/charts/renderer.ts";
import type { Logger } from "../log.ts";
import { saveChart } from "../memory/charts.ts";
import type { SessionRecord } from "../memory/sessions.ts";

/** The reply fields of a drawn chart. */
export interface DrawnChart {
  chart_url: string | null;
  chart_spec: Record<string, unknown> | null;
  note: string | null;
}

/**
 * Draws a chart, stores its PNG with the session, and returns the reply fields. A chart that
 * fails to draw costs the answer nothing: the numbers stand, with a note.
 */
export async function drawChart(
  env: { kv: Deno.Kv; log?: Logger; charts: ChartRenderer },
  session: SessionRecord,
  choice: { type: ChartType; input: ChartInput; note?: string },
): Promise<DrawnChart> {
  const spec = { ...buildSpec(choice.type, choice.input), usermeta: { type: choice.type } };
  try {
    const png = await env.charts.render(spec);
    const meta = await saveChart(env.kv, {
      sessionId: session.id,
      owner: session.owner,
      type: choice.type,
      png: png.png,
      width: png.width,
      height: png.height,
      spec,
    });
    return { chart_url: `/charts/${meta.id}.png`, chart_spec: spec, note: choice.note ?? null };
  } catch (e) {
    env.log?.log("error", "chart failed", { error: (e as Error).message, type: choice.type });
    return { chart_url: null, chart_spec: null, note: "The chart could not be drawn; the numbers above are complete." };
  }
}
