/**
 * Builds the HTTP app from its dependencies: middleware, routes, the OpenAPI document, and the
 * one place where errors become HTTP responses.
 * @module
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { toHttpError, ValidationError } from "./errors.ts";
import { cors } from "hono/cors";
import { bodyLimit } from "hono/body-limit";
import { hostGuard, ownerMiddleware } from "./routes/access.ts";
import { assetRoutes } from "./routes/assets.ts";
import type { AppDeps, AppEnv } from "./routes/deps.ts";
import { chartRoutes } from "./routes/charts.ts";
import { healthRoutes } from "./routes/health.ts";
import { metricsRoutes } from "./routes/metrics.ts";
import { queryRoutes } from "./routes/queries.ts";
import { sessionRoutes } from "./routes/sessions.ts";
import { uploadRoutes } from "./routes/uploads.ts";
import { budgetRoutes } from "./routes/budgets.ts";
import { mcpRoutes } from "./routes/mcp.ts";
import { API_VERSION } from "./version.ts";

/** Largest JSON body any route takes (questions are at most a few KiB). */
export const MAX_JSON_BODY = 64 * 1024;

/** Largest `/mcp` request (a JSON-RPC call carrying `upload_csv`'s CSV text, escaped). */
export const MAX_MCP_BODY = 4 * 1024 * 1024;

/** Turns zod issues into one message that names the fields. */
function describeIssues(issues: { path: PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.map(String).join(".") : "body"}: ${i.message}`)
    .join("; ");
}

/** Builds the app. */
export function buildApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw new ValidationError(`Invalid request: ${describeIssues(result.error.issues)}`, 400);
      }
    },
  });

  app.use("*", async (c, next) => {
    const requestId = c.req.header("x-request-id")?.slice(0, 64).replace(/[^\w.-]/g, "") || crypto.randomUUID();
    c.set("requestId", requestId);
    const started = performance.now();
    await next();
    c.res.headers.set("x-request-id", requestId);
    c.res.headers.set("x-content-type-options", "nosniff");
    c.res.headers.set("referrer-policy", "no-referrer");
    c.res.headers.set("x-frame-options", "DENY");
    if (!c.res.headers.has("content-security-policy")) {
      c.res.headers.set(
        "content-security-policy",
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; " +
          "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
      );
    }
    const route = c.req.routePath || "unmatched";
    // Labels stay bounded whatever clients send: route patterns, known methods, statuses.
    const method = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)$/.test(c.req.method) ? c.req.method : "OTHER";
    deps.metrics.count("http_requests_total", { route, method, status: String(c.res.status) });
    deps.metrics.observe("http_request_duration_seconds", { route }, (performance.now() - started) / 1000);
    deps.log.log("debug", "request", {
      request_id: requestId,
      method: c.req.method,
      path: c.req.routePath,
      status: c.res.status,
      ms: Math.round(performance.now() - started),
    });
  });

  app.use("*", (_c, next) => {
    deps.drain.refuseIfDraining();
    return next();
  });
  app.use("*", hostGuard(deps.config));
  // JSON bodies are small: refused past 64 KiB as they arrive, before parsing, the session
  // lookup or the rate limit (uploads have their own limit, MAX_UPLOAD_MB, in the upload route).
  const jsonLimit = bodyLimit({
    maxSize: MAX_JSON_BODY,
    onError: () => {
      throw new ValidationError(`The request body is larger than ${MAX_JSON_BODY / 1024} KiB.`, 413);
    },
  });
  // MCP requests may carry a CSV for `upload_csv` (3 MB of text): their own limit, still checked as they arrive.
  const mcpLimit = bodyLimit({
    maxSize: MAX_MCP_BODY,
    onError: () => {
      throw new ValidationError(`The request body is larger than ${MAX_MCP_BODY / 1024 / 1024} MiB.`, 413);
    },
  });
  app.use(
    "*",
    (c, next) =>
      c.req.method === "GET" || /\/upload-csv$/.test(c.req.path)
        ? next()
        : c.req.path === "/mcp"
        ? mcpLimit(c, next)
        : jsonLimit(c, next),
  );

  // CORS is off unless origins are configured; preflights are answered before authentication.
  if (deps.config.corsOrigins.length) {
    app.use(
      "*",
      cors({
        origin: deps.config.corsOrigins,
        allowHeaders: ["authorization", "content-type", "mcp-protocol-version", "mcp-session-id", "last-event-id"],
        exposeHeaders: ["mcp-protocol-version", "mcp-session-id"],
      }),
    );
  }
  app.use("*", ownerMiddleware(deps.config));

  app.onError((err, c) => {
    let e: unknown = err;
    if (err instanceof HTTPException) {
      const msg = /json/i.test(err.message) ? "Malformed JSON in request body." : err.message || "Bad request";
      e = new ValidationError(msg, err.status === 413 ? 413 : err.status === 415 ? 415 : 400);
    }
    const { status, body, headers } = toHttpError(e, c.get("requestId"));
    deps.metrics.count("errors_total", { code: body.error.code });
    if (status >= 500) {
      deps.log.log("error", "unhandled error", {
        request_id: c.get("requestId"),
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      });
    }
    return c.json(body, status as 400, headers);
  });
  app.notFound((c) =>
    c.json({ error: { code: "not_found", message: `No route for ${c.req.method} ${c.req.path}` } }, 404)
  );

  sessionRoutes(app, deps);
  uploadRoutes(app, deps);
  queryRoutes(app, deps);
  healthRoutes(app, deps);
  metricsRoutes(app, deps);
  chartRoutes(app, deps);
  budgetRoutes(app, deps);
  mcpRoutes(app, deps);
  assetRoutes(app);

  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "FinOps Agent API",
      version: API_VERSION,
      description: "A conversational cost analyst for cloud bills. Every number comes from SQL it ran; " +
        "each answer returns that SQL and the result rows.",
    },
  });
  return app;
}
