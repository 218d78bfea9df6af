/**
 * The client of the chart worker: `render(spec)` draws off the request thread. The worker
 * starts with the first chart (renderer and fonts loaded once), stops after a while without
 * charts (≈ 40 MB back: an isolate that only takes uploads never holds it), and is replaced if
 * it crashes.
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

/** Options for a {@link ChartRenderer}. */
export interface ChartRendererOptions {
  /** Milliseconds without a chart after which the worker stops (default 2 minutes; 0: never). */
  idleMs?: number;
}

/** Draws charts in a dedicated worker. */
export class ChartRenderer {
  #worker: Worker | null = null;
  #calls = new WorkerCalls<RenderedChart>();
  #closed = false;
  #idleMs: number;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(opts: ChartRendererOptions = {}) {
    this.#idleMs = opts.idleMs ?? 120_000;
  }

  /** Whether the worker is running now. */
  get running(): boolean {
    return this.#worker !== null;
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
    clearTimeout(this.#idleTimer);
    const worker = this.#worker ?? this.#start();
    const { id, promise } = this.#calls.open();
    worker.postMessage({ id, spec, scale } satisfies RenderRequest);
    return promise.finally(() => {
      if (this.#calls.size === 0) this.#stopWhenIdle();
    });
  }

  /** Stops the worker once no chart has been asked for during the idle time. */
  #stopWhenIdle(): void {
    if (!this.#idleMs || this.#closed) return;
    clearTimeout(this.#idleTimer);
    const timer = setTimeout(() => {
      if (this.#calls.size) return;
      this.#worker?.terminate();
      this.#worker = null;
    }, this.#idleMs);
    // An idle timer must not keep a process (or a test) alive.
    Deno.unrefTimer(timer);
    this.#idleTimer = timer;
  }

  /** Stops the worker; charts in flight fail. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#idleTimer);
    this.#worker?.terminate();
    this.#worker = null;
    this.#calls.failAll(new EngineError("chart renderer closed"));
  }
}
