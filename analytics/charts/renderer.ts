/**
 * The client of the chart worker: `render(spec)` draws off the request thread. The worker
 * starts with the app (warmed: renderer and fonts loaded) and is replaced if it crashes.
 *
 * @example
 * const charts = new ChartRenderer();
 * const { png, width, height } = await charts.render(buildSpec("bar", input));
 * charts.close();
 * @module
 */
import { EngineError } from "../../errors.ts";
import { WorkerCalls } from "../worker_calls.ts";
import type { RenderedChart } from "./render.ts";
import type { VegaLiteSpec } from "./spec.ts";

/** A request to the chart worker. */
export interface RenderRequest {
  id: number;
  spec: VegaLiteSpec;
  scale: number;
}

/** The chart worker's reply. */
export type RenderResponse = { id: number; ok: true; chart: RenderedChart } | { id: number; ok: false; error: string };

/** Draws charts in a dedicated worker. */
export class ChartRenderer {
  #worker: Worker | null = null;
  #calls = new WorkerCalls<RenderedChart>();
  #closed = false;

  constructor() {
    this.#start();
  }

  #start(): Worker {
    const worker = new Worker(new URL("./render_worker.ts", import.meta.url).href, { type: "module" });
    worker.onmessage = (ev: MessageEvent<RenderResponse>) => {
      const msg = ev.data;
      this.#calls.settle(msg.id, msg.ok ? { value: msg.chart } : { error: new EngineError(msg.error) });
    };
    worker.onerror = (ev) => {
      ev.preventDefault();
      // The next chart starts a fresh worker; the ones in flight fail (their answers keep the numbers).
      worker.terminate();
      if (this.#worker === worker) this.#worker = null;
      this.#calls.failAll(new EngineError(`chart worker crashed: ${ev.message}`));
    };
    this.#worker = worker;
    return worker;
  }

  /** Renders a Vega-Lite spec to SVG and PNG (at `scale` × its size) in the worker. */
  render(spec: VegaLiteSpec, scale = 2): Promise<RenderedChart> {
    if (this.#closed) return Promise.reject(new EngineError("chart renderer closed"));
    const worker = this.#worker ?? this.#start();
    const { id, promise } = this.#calls.open();
    worker.postMessage({ id, spec, scale } satisfies RenderRequest);
    return promise;
  }

  /** Stops the worker; charts in flight fail. */
  close(): void {
    this.#closed = true;
    this.#worker?.terminate();
    this.#worker = null;
    this.#calls.failAll(new EngineError("chart renderer closed"));
  }
}
