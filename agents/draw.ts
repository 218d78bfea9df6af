/**
 * Keeps a chosen chart: its Vega-Lite spec in KV, with the reply fields (the PNG is drawn when
 * first requested, routes/charts.ts).
 * @module
 */
import { buildSpec, type ChartInput, type ChartType } from "../analytics/charts/spec.ts";
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
 * Keeps a chosen chart with the session and returns the reply fields: its Vega-Lite spec (the
 * page draws it) and `chart_url`, whose PNG is drawn on its first request. A chart that cannot be
 * kept costs the answer nothing: the numbers stand, with a note.
 */
export async function drawChart(
  env: { kv: Deno.Kv; log?: Logger },
  session: SessionRecord,
  choice: { type: ChartType; input: ChartInput; note?: string },
): Promise<DrawnChart> {
  try {
    const spec = { ...buildSpec(choice.type, choice.input), usermeta: { type: choice.type } };
    const meta = await saveChart(env.kv, { sessionId: session.id, owner: session.owner, type: choice.type, spec });
    return { chart_url: `/charts/${meta.id}.png`, chart_spec: spec, note: choice.note ?? null };
  } catch (e) {
    env.log?.log("error", "chart failed", { error: (e as Error).message, type: choice.type });
    return { chart_url: null, chart_spec: null, note: "The chart could not be drawn; the numbers above are complete." };
  }
}
