/**
 * `GET /metrics`: Prometheus text format. Requests and latency by route, question latency by
 * intent and planner, errors by code, LLM calls and tokens, sessions, loaded datasets, engine
 * and process memory.
 * @module
 */
import { createRoute, z } from "@hono/zod-openapi";
import { AuthError } from "../errors.ts";
import { mayReadMetrics } from "./access.ts";
import type { App, AppDeps } from "./deps.ts";

const metrics = createRoute({
  method: "get",
  path: "/metrics",
  tags: ["operations"],
  summary: "Metrics in the Prometheus text format",
  responses: {
    200: { description: "Metrics", content: { "text/plain": { schema: z.string() } } },
    401: { description: "In keys mode, or with METRICS_TOKEN set: a bearer API key or the metrics token is needed" },
  },
});

/** Registers the metrics route. */
export function metricsRoutes(app: App, deps: AppDeps): void {
  app.openapi(metrics, async (c) => {
    if (!(await mayReadMetrics(deps.config, c))) {
      throw new AuthError("Metrics need a bearer API key or the metrics token.");
    }
    const mem = Deno.memoryUsage();
    const llm = deps.llm?.client.stats;
    const gauges = [
      { name: "sessions_active", help: "Sessions not expired", value: await deps.sessions.count() },
      { name: "engine_datasets_loaded", help: "Datasets loaded in DuckDB workers", value: deps.engine.loadedCount },
      {
        name: "engine_dataset_bytes",
        help: "Bytes of loaded tables (as DuckDB measures them) and files being read, counted against ENGINE_MEMORY_MB",
        value: deps.engine.loadedBytes,
      },
      { name: "engine_budget_bytes", help: "ENGINE_MEMORY_MB in bytes", value: deps.engine.budgetBytes },
      {
        name: "engine_heap_bytes",
        help: "WebAssembly heaps of the DuckDB workers (their high-water marks: a heap never shrinks)",
        value: deps.engine.heapBytes,
      },
      { name: "process_resident_memory_bytes", help: "Resident memory of the process", value: mem.rss },
      { name: "process_heap_used_bytes", help: "V8 heap in use (this thread)", value: mem.heapUsed },
      { name: "process_heap_total_bytes", help: "V8 heap reserved (this thread)", value: mem.heapTotal },
      {
        name: "process_external_bytes",
        help: "Memory of buffers outside the V8 heap (this thread)",
        value: mem.external,
      },
      { name: "llm_enabled", help: "1 when GROQ_API_KEY is set", value: llm ? 1 : 0 },
      ...(llm
        ? [
          { name: "llm_requests_total", help: "HTTP attempts to the LLM", value: llm.calls, type: "counter" as const },
          { name: "llm_retries_total", help: "LLM retries", value: llm.retries, type: "counter" as const },
          {
            name: "llm_tokens_total",
            help: "LLM tokens",
            value: llm.prompt_tokens,
            labels: { type: "prompt" },
            type: "counter" as const,
          },
          {
            name: "llm_tokens_total",
            help: "LLM tokens",
            value: llm.completion_tokens,
            labels: { type: "completion" },
            type: "counter" as const,
          },
          ...Object.entries(llm.failures).map(([kind, v]) => ({
            name: "llm_failures_total",
            help: "LLM failures by kind",
            value: v,
            labels: { kind },
            type: "counter" as const,
          })),
        ]
        : []),
    ];
    return c.text(deps.metrics.render(gauges), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
  });
}
