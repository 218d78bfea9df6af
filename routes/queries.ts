/**
 * `POST /session/{id}/query`: one question, one answer, both stored in the history; and
 * `POST /session/{id}/query/stream`: the same answer as Server-Sent Events, with the steps
 * (understood → SQL → rows → chart) sent as they happen.
 * @module
 */
import { createRoute, z } from "@hono/zod-openapi";
import { streamSSE } from "hono/streaming";
import { describedResult } from "../agents/columns.ts";
import { supervise } from "../agents/supervisor.ts";
import type { Progress, QueryPlan } from "../agents/types.ts";
import { toHttpError, ValidationError } from "../errors.ts";
import { getDatasetMeta } from "../memory/datasets.ts";
import { getEntities } from "../memory/entities.ts";
import { appendMessages } from "../memory/messages.ts";
import type { SessionRecord } from "../memory/sessions.ts";
import { rateLimit } from "./access.ts";
import type { App, AppDeps } from "./deps.ts";
import { type AnswerDataset, errorResponses, QueryBody, QueryResponse, SessionParams } from "./schemas.ts";

const query = createRoute({
  method: "post",
  path: "/session/{id}/query",
  tags: ["queries"],
  summary: "Ask a question about the session's billing data",
  request: {
    params: SessionParams,
    body: { content: { "application/json": { schema: QueryBody } }, required: true },
  },
  responses: {
    200: { description: "The answer", content: { "application/json": { schema: QueryResponse } } },
    ...errorResponses(400, 404, 409, 422, 429),
  },
});

const queryStream = createRoute({
  method: "post",
  path: "/session/{id}/query/stream",
  tags: ["queries"],
  summary: "Ask a question and receive progress and the answer as Server-Sent Events",
  description: "Events: `step` (JSON: `{step: understood|analysis|llm|sql|rows|chart, …}`) while working, then " +
    "one `answer` (JSON: the same body as `POST /session/{id}/query`) or one `error` (JSON: `{error: {code, " +
    "message}}`). Validation errors and unknown sessions are answered as JSON before the stream starts.",
  request: {
    params: SessionParams,
    body: { content: { "application/json": { schema: QueryBody } }, required: true },
  },
  responses: {
    200: { description: "The event stream", content: { "text/event-stream": { schema: z.string() } } },
    ...errorResponses(400, 404, 409, 422, 429),
  },
});

type Answer = z.infer<typeof QueryResponse>;

/** Answers a question for a session and stores the turn; returns the response body (REST and MCP alike). */
export async function answer(
  deps: AppDeps,
  session: SessionRecord,
  question: string,
  requestId: string,
  progress?: Progress,
): Promise<Answer> {
  const id = session.id;
  const started = performance.now();
  const memory = await getEntities<QueryPlan>(deps.kv, id);
  const { reply, memory: nextMemory } = await supervise(deps, session, question, memory, progress);
  const result = reply.result ? describedResult(reply.result, reply.plan) : null;
  const dataset = await answeredOn(deps, session);
  const ms = Math.round(performance.now() - started);
  deps.metrics.observe("query_duration_seconds", { intent: reply.intent, planner: reply.planner }, ms / 1000);
  const now = new Date().toISOString();
  const saved = await appendMessages(
    deps.kv,
    id,
    [
      { role: "user", content: question, timestamp: now, metadata: {} },
      {
        role: "assistant",
        content: reply.response,
        timestamp: new Date().toISOString(),
        metadata: {
          intent: reply.intent,
          subagent: reply.subagent,
          planner: reply.planner,
          sql: reply.sql,
          chart_url: reply.chart_url,
          chart_type: reply.chart_spec
            ? (reply.chart_spec.usermeta as { type?: string } | undefined)?.type ?? null
            : null,
          basis: reply.basis ?? null,
          currency: reply.currency ?? null,
          plan: reply.plan,
          result,
          dataset,
          sources: reply.sources ?? null,
          llm: reply.llm ?? null,
          reading: reply.reading ?? null,
          latency_ms: ms,
        },
      },
    ],
    { entities: nextMemory ?? undefined },
  );
  deps.log.log("info", "query answered", {
    request_id: requestId,
    session_id: id,
    intent: reply.intent,
    planner: reply.planner,
    latency_ms: ms,
    ...(reply.llm
      ? { llm_tokens: reply.llm.total_tokens, llm_attempts: reply.llm.attempts, llm_fallback: reply.llm.fallback }
      : {}),
  });
  return {
    session_id: id,
    response: reply.response,
    turn_number: Math.floor(saved.messageCount / 2),
    intent: reply.intent,
    subagent: reply.subagent,
    planner: reply.planner,
    sql: reply.sql,
    result,
    dataset,
    chart_url: reply.chart_url,
    chart_spec: reply.chart_spec ?? null,
    basis: reply.basis ?? null,
    currency: reply.currency ?? null,
    plan: reply.plan,
    sources: reply.sources ?? null,
    llm: reply.llm ?? null,
    reading: reply.reading ?? null,
  };
}

/** The data an answer was computed on, named in the history and the export (null: none). */
async function answeredOn(deps: AppDeps, session: SessionRecord): Promise<AnswerDataset | null> {
  if (!session.datasetId) return null;
  const meta = await getDatasetMeta(deps.kv, session.datasetId).catch(() => null);
  return meta ? { id: meta.id, name: meta.name, rows: meta.rows } : null;
}

/** Registers the query routes. */
export function queryRoutes(app: App, deps: AppDeps): void {
  const checked = (question: string) => {
    if (question.length > deps.config.maxQuestionChars) {
      throw new ValidationError(`query is too long (at most ${deps.config.maxQuestionChars} characters).`, 400);
    }
    return question;
  };

  app.openapi(query, async (c) => {
    const { id } = c.req.valid("param");
    const question = checked(c.req.valid("json").query);
    const session = (await deps.sessions.get(id, c.get("owner"))).value;
    await rateLimit(deps, c, "query");
    return c.json(await answer(deps, session, question, c.get("requestId")), 200);
  });

  app.openapi(queryStream, async (c) => {
    const { id } = c.req.valid("param");
    const question = checked(c.req.valid("json").query);
    const session = (await deps.sessions.get(id, c.get("owner"))).value;
    await rateLimit(deps, c, "query");
    const requestId = c.get("requestId");
    // deno-lint-ignore no-explicit-any
    return streamSSE(c as any, async (stream) => {
      const steps: Promise<void>[] = [];
      const progress: Progress = (s) => {
        steps.push(stream.writeSSE({ event: "step", data: JSON.stringify(s) }).catch(() => {}));
      };
      try {
        const body = await answer(deps, session, question, requestId, progress);
        await Promise.all(steps);
        await stream.writeSSE({ event: "answer", data: JSON.stringify(body) });
      } catch (e) {
        const { body } = toHttpError(e, requestId);
        if (body.error.code === "internal_error") {
          deps.log.log("error", "stream failed", { request_id: requestId, error: String(e) });
        }
        await Promise.all(steps);
        await stream.writeSSE({ event: "error", data: JSON.stringify(body) });
      }
    }) as never;
  });
}
