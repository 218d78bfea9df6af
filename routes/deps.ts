/**
 * What the HTTP layer is built from: the app's dependencies, passed in (never global).
 * @module
 */
import type { Drain } from "./drain.ts";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AgentEnv } from "../agents/supervisor.ts";
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { SessionStore } from "../memory/sessions.ts";

/** Dependencies of the app. */
export interface AppDeps extends AgentEnv {
  config: Config;
  sessions: SessionStore;
  log: Logger;
  /** Request, question and error counters for /metrics. */
  metrics: Metrics;
  /** Id of the bundled sample dataset, if loaded. */
  sampleDatasetId: string | null;
  /** Uploads in flight, let finish before a shutdown. */
  drain: Drain;
}

/** Hono environment: per-request variables. */
export type AppEnv = { Variables: { requestId: string; owner: string } };

/** The app type every route module registers on. */
export type App = OpenAPIHono<AppEnv>;
