/// <reference lib="deno.worker" />
/**
 * The chart worker: Vega and resvg run here, so drawing a chart (100–200 ms of CPU) never
 * holds up the request thread. Renderer and fonts load once, before the first request.
 * @module
 */
import { collectGarbageSoon } from "../collect_garbage.ts";
import { renderChart, warmRenderer } from "./render.ts";
import type { RenderRequest, RenderResponse } from "./renderer.ts";

// The renderer's start-up garbage (modules, fonts) is collected once it is warm.
const ready = warmRenderer().then(collectGarbageSoon);

self.onmessage = async (ev: MessageEvent<RenderRequest>) => {
  const { id, spec, scale } = ev.data;
  let msg: RenderResponse;
  try {
    await ready;
    msg = { id, ok: true, chart: await renderChart(spec, scale) };
  } catch (e) {
    msg = { id, ok: false, error: e instanceof Error ? e.message : String(e) };
  }
  self.postMessage(msg, msg.ok ? [msg.chart.png.buffer as ArrayBuffer] : []);
};
