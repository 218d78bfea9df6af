/**
 * Session routes: create, list, delete, history, dataset.
 * @module
 */
import { createRoute, z } from "@hono/zod-openapi";
import { dropDatasetIfPrivate } from "../agents/data_loader.ts";
import { NotFoundError } from "../errors.ts";
import { getDatasetMeta } from "../memory/datasets.ts";
import { listMessages } from "../memory/messages.ts";
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
} from "./schemas.ts";
import { datasetView } from "./views.ts";

const json = <T>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });

const createSession = createRoute({
  method: "post",
  path: "/session/create",
  tags: ["sessions"],
  summary: "Create a session (preloaded with the sample data unless use_sample is false)",
  request: { body: { content: { "application/json": { schema: CreateSessionBody } }, required: false } },
  responses: { 200: json(CreateSessionResponse, "The new session"), ...errorResponses(400) },
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

/** Registers the session routes. */
export function sessionRoutes(app: App, deps: AppDeps): void {
  app.openapi(createSession, async (c) => {
    let useSample = true;
    if ((c.req.header("content-type") ?? "").includes("application/json")) {
      const body = c.req.valid("json") as z.infer<typeof CreateSessionBody> | undefined;
      useSample = body?.use_sample ?? true;
    }
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
    const s = (await deps.sessions.get(id, c.get("owner"))).value;
    await deps.sessions.delete(s);
    if (s.datasetId) await dropDatasetIfPrivate(deps, s.datasetId);
    return c.json({ message: "Session deleted" }, 200);
  });

  app.openapi(history, async (c) => {
    const { id } = c.req.valid("param");
    await deps.sessions.get(id, c.get("owner"));
    const msgs = await listMessages(deps.kv, id);
    return c.json({ session_id: id, history: msgs, total_messages: msgs.length }, 200);
  });

  app.openapi(dataset, async (c) => {
    const { id } = c.req.valid("param");
    const s = (await deps.sessions.get(id, c.get("owner"))).value;
    if (!s.datasetId) throw new NotFoundError("This session has no dataset yet: upload a CSV first.");
    return c.json(datasetView(await getDatasetMeta(deps.kv, s.datasetId)), 200);
  });
}
