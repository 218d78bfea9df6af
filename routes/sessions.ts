/**
 * Session routes: create, list, delete, history, dataset, use the sample.
 * @module
 */
import type { QueryPlan } from "../agents/types.ts";
import { createRoute, z } from "@hono/zod-openapi";
import { dropDatasetIfPrivate } from "../agents/data_loader.ts";
import { NotFoundError } from "../errors.ts";
import { attachDataset, getDatasetMeta } from "../memory/datasets.ts";
import { getEntities } from "../memory/entities.ts";
import { dismissIncident } from "../memory/dismissals.ts";
import { listMessages, SHORT_TERM_MESSAGES } from "../memory/messages.ts";
import type { SessionRecord } from "../memory/sessions.ts";
import { rateLimit } from "./access.ts";
import type { App, AppDeps } from "./deps.ts";
import {
  CreateSessionBody,
  CreateSessionResponse,
  DatasetSchema,
  errorResponses,
  HistoryResponse,
  MessageResponse,
  SessionParams,
  SessionSummary,
  UploadResponse,
} from "./schemas.ts";
import { datasetView } from "./views.ts";
import { transcriptMarkdown } from "../agents/transcript.ts";

const json = <T>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });

const createSession = createRoute({
  method: "post",
  path: "/session/create",
  tags: ["sessions"],
  summary: "Create a session (preloaded with the sample data unless use_sample is false)",
  request: { body: { content: { "application/json": { schema: CreateSessionBody } }, required: false } },
  responses: { 200: json(CreateSessionResponse, "The new session"), ...errorResponses(400, 429) },
});

const listSessions = createRoute({
  method: "get",
  path: "/sessions",
  tags: ["sessions"],
  summary: "List sessions, most recently active first",
  responses: { 200: json(z.array(SessionSummary), "Sessions") },
});

const deleteSession = createRoute({
  method: "delete",
  path: "/session/{id}",
  tags: ["sessions"],
  summary: "Delete a session with its history and its uploaded data",
  request: { params: SessionParams },
  responses: { 200: json(MessageResponse, "Deleted"), ...errorResponses(404) },
});

const history = createRoute({
  method: "get",
  path: "/session/{id}/history",
  tags: ["sessions"],
  summary: "Conversation history in order",
  request: { params: SessionParams },
  responses: { 200: json(HistoryResponse, "History"), ...errorResponses(404) },
});

const dataset = createRoute({
  method: "get",
  path: "/session/{id}/dataset",
  tags: ["data"],
  summary: "The session's dataset: format, columns, mapping and data quality report",
  request: { params: SessionParams },
  responses: { 200: json(DatasetSchema, "Dataset"), ...errorResponses(404) },
});

const clearHistory = createRoute({
  method: "delete",
  path: "/session/{id}/history",
  tags: ["sessions"],
  summary: "Clear the conversation and its memory, keeping the data",
  request: { params: SessionParams },
  responses: { 200: json(MessageResponse, "Cleared"), ...errorResponses(404) },
});

const useSampleRoute = createRoute({
  method: "post",
  path: "/session/{id}/use-sample",
  tags: ["data"],
  summary: "Make the bundled sample the session's data (its own upload, if any, is deleted); the " +
    "conversation stays, its memory is reset",
  request: { params: SessionParams },
  responses: { 200: json(UploadResponse, "The sample is the session's data"), ...errorResponses(404) },
});

const dismissRoute = createRoute({
  method: "post",
  path: "/session/{id}/anomalies/{incident}/dismiss",
  tags: ["sessions"],
  summary: "Mark an anomaly incident as expected: it is not reported again in this session",
  request: {
    params: SessionParams.extend({
      incident: z.string().regex(/^inc-\d{4}-\d{2}-\d{2}-[0-9a-f]{8}$/).openapi({
        description: "The incident id (`incident` column of an anomaly answer's result)",
        example: "inc-2025-03-14-1a2b3c4d",
      }),
    }),
  },
  responses: { 200: json(MessageResponse, "Dismissed"), ...errorResponses(400, 404) },
});

const exportRoute = createRoute({
  method: "get",
  path: "/session/{id}/export",
  tags: ["sessions"],
  summary: "Export the conversation as Markdown (with SQL and result tables) or JSON",
  request: {
    params: SessionParams,
    query: z.object({ format: z.enum(["md", "json"]).default("md").openapi({ example: "md" }) }),
  },
  responses: {
    200: {
      description: "The transcript as an attachment",
      content: { "text/markdown": { schema: z.string() }, "application/json": { schema: HistoryResponse } },
    },
    ...errorResponses(400, 404),
  },
});

const memoryRoute = createRoute({
  method: "get",
  path: "/session/{id}/memory",
  tags: ["sessions"],
  summary: "What the conversation remembers: counts, recent turns and the last question's plan",
  request: { params: SessionParams },
  responses: {
    200: {
      description: "Memory",
      content: {
        "application/json": {
          schema: z.object({
            session_id: z.string(),
            total_messages: z.number(),
            turns: z.number(),
            recent: z.array(z.object({ role: z.string(), content: z.string() })),
            remembered: z.object({
              filters: z.array(z.object({ column: z.string(), op: z.string(), values: z.array(z.string()) })),
              group_by: z.array(z.string()),
              time_range: z.object({ start: z.string(), end: z.string(), label: z.string() }).nullable(),
              grain: z.string().nullable(),
              basis: z.string().nullable(),
            }).nullable(),
          }).openapi("Memory"),
        },
      },
    },
    ...errorResponses(404),
  },
});

/** A session's dataset id, or a 404 saying it has no data yet (REST and MCP). */
export function datasetIdOf(s: SessionRecord): string {
  if (!s.datasetId) throw new NotFoundError("This session has no dataset yet: upload a CSV first.");
  return s.datasetId;
}

/** A session's dataset as `GET /session/{id}/dataset` shows it (REST and MCP). */
export async function sessionDatasetView(deps: AppDeps, s: SessionRecord) {
  return datasetView(await getDatasetMeta(deps.kv, datasetIdOf(s)));
}

/** Makes the bundled sample a session's data, deleting its own upload (REST and MCP). */
export async function useSample(deps: AppDeps, id: string) {
  const sample = deps.sampleDatasetId ? await getDatasetMeta(deps.kv, deps.sampleDatasetId).catch(() => null) : null;
  if (!sample) throw new NotFoundError("This server has no sample data.");
  const previous = await attachDataset(deps.kv, id, sample.id);
  if (previous && previous !== sample.id) await dropDatasetIfPrivate(deps, previous);
  return { message: `Using the sample data: ${sample.name} (${sample.rows} rows).`, dataset: datasetView(sample) };
}

/** Deletes a session, everything it owns and its uploaded data (REST and MCP). */
export async function deleteSessionWithData(deps: AppDeps, s: SessionRecord): Promise<void> {
  await deps.sessions.delete(s);
  if (s.datasetId) await dropDatasetIfPrivate(deps, s.datasetId);
}

/** A session's conversation as Markdown, or as JSON with exact values (REST and MCP). */
export async function exportConversation(deps: AppDeps, s: SessionRecord, format: "md" | "json") {
  const msgs = await listMessages(deps.kv, s.id);
  const meta = s.datasetId ? await getDatasetMeta(deps.kv, s.datasetId).catch(() => null) : null;
  const ds = meta ? { name: meta.name, schema: meta.schema.format, rows: meta.rows, date_range: meta.dateRange } : null;
  if (format === "md") return transcriptMarkdown(s.id, ds, msgs);
  return {
    session_id: s.id,
    exported_at: new Date().toISOString(),
    dataset: ds,
    history: msgs,
    total_messages: msgs.length,
  };
}

/** Registers the session routes. */
export function sessionRoutes(app: App, deps: AppDeps): void {
  // "content-type: application/json" with no body is what many clients send for a bodiless POST:
  // the body is optional, so an empty one means the defaults (not "Malformed JSON").
  app.use("/session/create", async (c, next) => {
    if (c.req.method === "POST" && (c.req.header("content-type") ?? "").includes("application/json")) {
      const text = await c.req.raw.clone().text();
      if (!text.trim()) {
        c.req.raw = new Request(c.req.raw.url, { method: "POST", headers: c.req.raw.headers, body: "{}" });
      }
    }
    await next();
  });

  app.openapi(createSession, async (c) => {
    let useSample = true;
    if ((c.req.header("content-type") ?? "").includes("application/json")) {
      const body = c.req.valid("json") as z.infer<typeof CreateSessionBody> | undefined;
      useSample = body?.use_sample ?? true;
    }
    await rateLimit(deps, c, "session");
    const datasetId = useSample ? deps.sampleDatasetId : null;
    const s = await deps.sessions.create(c.get("owner"), datasetId);
    const name = datasetId ? (await getDatasetMeta(deps.kv, datasetId).catch(() => null))?.name ?? null : null;
    return c.json({ session_id: s.id, message: "Session created", dataset: name }, 200);
  });

  app.openapi(listSessions, async (c) => {
    const list = await deps.sessions.list(c.get("owner"));
    const names = new Map<string, string>();
    for (const id of new Set(list.map((s) => s.datasetId).filter((x): x is string => !!x))) {
      const meta = await getDatasetMeta(deps.kv, id).catch(() => null);
      if (meta) names.set(id, meta.name);
    }
    return c.json(
      list.map((s) => ({
        session_id: s.id,
        created_at: s.createdAt,
        last_activity: s.lastActivity,
        message_count: s.messageCount,
        has_csv: s.datasetId !== null && names.has(s.datasetId),
        dataset_name: s.datasetId ? names.get(s.datasetId) ?? null : null,
      })),
      200,
    );
  });

  app.openapi(deleteSession, async (c) => {
    const { id } = c.req.valid("param");
    await deleteSessionWithData(deps, (await deps.sessions.get(id, c.get("owner"))).value);
    return c.json({ message: "Session deleted" }, 200);
  });

  app.openapi(history, async (c) => {
    const { id } = c.req.valid("param");
    await deps.sessions.get(id, c.get("owner"));
    const msgs = await listMessages(deps.kv, id);
    return c.json({ session_id: id, history: msgs, total_messages: msgs.length }, 200);
  });

  app.openapi(memoryRoute, async (c) => {
    const { id } = c.req.valid("param");
    const s = (await deps.sessions.get(id, c.get("owner"))).value;
    const recent = await listMessages(deps.kv, id, SHORT_TERM_MESSAGES);
    const plan = (await getEntities<QueryPlan>(deps.kv, id))?.lastPlan ?? null;
    return c.json({
      session_id: id,
      total_messages: s.messageCount,
      turns: Math.floor(s.messageCount / 2),
      recent: recent.map((m) => ({ role: m.role, content: m.content.slice(0, 500) })),
      remembered: plan
        ? {
          filters: plan.filters,
          group_by: plan.groupBy,
          time_range: plan.time.range,
          grain: plan.time.grain,
          basis: plan.basis,
        }
        : null,
    }, 200);
  });

  app.openapi(clearHistory, async (c) => {
    const { id } = c.req.valid("param");
    await deps.sessions.get(id, c.get("owner"));
    await deps.sessions.clearHistory(id);
    return c.json({ message: "History cleared" }, 200);
  });

  app.openapi(useSampleRoute, async (c) => {
    const { id } = c.req.valid("param");
    await deps.sessions.get(id, c.get("owner"));
    return c.json(await useSample(deps, id), 200);
  });

  app.openapi(dismissRoute, async (c) => {
    const { id, incident } = c.req.valid("param");
    await deps.sessions.get(id, c.get("owner"));
    await dismissIncident(deps.kv, id, incident);
    return c.json({ message: `Incident ${incident} dismissed: it will not be reported again in this session.` }, 200);
  });

  app.openapi(exportRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { format } = c.req.valid("query");
    const s = (await deps.sessions.get(id, c.get("owner"))).value;
    const stamp = new Date().toISOString().slice(0, 10);
    const filename = `finops-conversation-${id.slice(0, 8)}-${stamp}.${format}`;
    c.header("content-disposition", `attachment; filename="${filename}"`);
    const body = await exportConversation(deps, s, format);
    if (typeof body !== "string") return c.json(body, 200);
    c.header("content-type", "text/markdown; charset=utf-8");
    return c.body(body, 200) as never;
  });

  app.openapi(dataset, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(await sessionDatasetView(deps, (await deps.sessions.get(id, c.get("owner"))).value), 200);
  });
}
