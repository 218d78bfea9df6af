/**
 * `GET /health`: database, engine and session counts.
 * @module
 */
import { createRoute } from "@hono/zod-openapi";
import type { App, AppDeps } from "./deps.ts";
import { HealthResponse } from "./schemas.ts";

const health = createRoute({
  method: "get",
  path: "/health",
  tags: ["operations"],
  summary: "Health of the database and the engine",
  responses: {
    200: { description: "Healthy", content: { "application/json": { schema: HealthResponse } } },
    503: { description: "Degraded", content: { "application/json": { schema: HealthResponse } } },
  },
});

/** Registers the health route. */
export function healthRoutes(app: App, deps: AppDeps): void {
  app.openapi(health, async (c) => {
    let database: "connected" | "error" = "connected";
    let active = 0;
    try {
      active = await deps.sessions.count();
    } catch {
      database = "error";
    }
    const engine = deps.engine.health;
    const ok = database === "connected" && engine.stuck === 0 && engine.restarting === 0;
    const body = {
      status: ok ? "healthy" as const : "degraded" as const,
      database,
      active_sessions: active,
      engine: {
        ready: engine.stuck === 0 && engine.restarting === 0,
        version: deps.engine.startup.version,
        datasets_loaded: deps.engine.loadedCount,
        ...engine,
      },
      llm: deps.llm
        ? {
          enabled: true,
          model: deps.llm.client.model,
          mode: deps.llm.mode,
          ...deps.llm.client.stats,
          failures: { ...deps.llm.client.stats.failures },
        }
        : { enabled: false },
    };
    return c.json(body, ok ? 200 : 503);
  });
}
