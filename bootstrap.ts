/**
 * Wires the app together: opens KV, starts the engine, loads the sample, builds the app.
 * Used by `main.ts` and by the tests (with their own KV and config).
 * @module
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { ValueIndexCache } from "./agents/context.ts";
import { KnowledgeBase } from "./agents/knowledge.ts";
import { createGroqClient } from "./agents/llm/client.ts";
import type { LlmSettings } from "./agents/llm/agent.ts";
import { ensureSample } from "./agents/data_loader.ts";
import { ChartRenderer } from "./analytics/charts/renderer.ts";
import { Drain } from "./routes/drain.ts";
import { Engine } from "./analytics/engine.ts";
import { buildApp } from "./app.ts";
import type { Config } from "./config.ts";
import { createLogger, type Logger } from "./log.ts";
import { Metrics } from "./metrics.ts";
import { sweepExpired, type SweepReport } from "./memory/lifecycle.ts";
import { SessionStore } from "./memory/sessions.ts";
import { openStore } from "./memory/store.ts";
import type { AppDeps, AppEnv } from "./routes/deps.ts";

/** A running app and how to stop it. */
export interface Running {
  app: OpenAPIHono<AppEnv>;
  deps: AppDeps;
  /** Removes expired sessions, abandoned uploads and orphan chunks; returns what it removed. */
  sweep(): Promise<SweepReport>;
  close(): Promise<void>;
}

/** Starts everything but the HTTP listener. */
export async function startApp(
  config: Config,
  opts: { log?: Logger; engine?: Engine; charts?: ChartRenderer } = {},
): Promise<Running> {
  const log = opts.log ?? createLogger(config.logLevel);
  const kv = await openStore(config.kvPath);
  const engine = opts.engine ?? await Engine.start({
    workers: config.engineWorkers,
    memoryMb: config.engineMemoryMb,
    queryTimeoutMs: config.queryTimeoutMs,
    queryMemoryMb: config.queryMemoryMb,
  });
  const charts = opts.charts ?? new ChartRenderer();
  const sessions = new SessionStore(kv, { maxAgeDays: config.maxSessionAgeDays });
  const llm: LlmSettings | null = config.groqApiKey
    ? {
      client: createGroqClient({
        apiKey: config.groqApiKey,
        model: config.groqModel,
        baseURL: config.groqBaseUrl,
        timeoutMs: config.groqTimeoutMs,
        maxRetries: config.groqMaxRetries,
      }),
      mode: config.llmMode,
      budget: config.llmTokenBudget,
    }
    : null;
  const deps: AppDeps = {
    kv,
    engine,
    charts,
    values: new ValueIndexCache(),
    knowledge: await KnowledgeBase.load(),
    llm,
    config,
    sessions,
    log,
    metrics: new Metrics(),
    sampleDatasetId: null,
    drain: new Drain(),
    anomalyMinImpact: config.anomalyMinImpact,
  };
  deps.sampleDatasetId = await ensureSample(deps, config.samplePath, {
    maxColumns: config.maxColumns,
    maxRows: config.maxRows,
  });
  const app = buildApp(deps);

  const sweep = () =>
    sweepExpired(kv, sessions, {
      onDatasetDeleted: async (id) => {
        await engine.unload(id).catch(() => {});
        deps.values.delete(id);
      },
    });

  return {
    app,
    deps,
    sweep,
    close() {
      if (!opts.engine) engine.close();
      if (!opts.charts) charts.close();
      kv.close();
      return Promise.resolve();
    },
  };
}
