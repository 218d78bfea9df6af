/**
 * `POST /session/{id}/query`: one question, one answer, both stored in the history.
 * @module
 */
import { createRoute } from "@hono/zod-openapi";
import { supervise } from "../agents/supervisor.ts";
import { ValidationError } from "../errors.ts";
import { getEntities } from "../memory/entities.ts";
import { appendMessages } from "../memory/messages.ts";
import type { App, AppDeps } from "./deps.ts";
import { errorResponses, QueryBody, QueryResponse, SessionParams } from "./schemas.ts";

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
    ...errorResponses(400, 404, 422, 429),
  },
});

/** Registers the query route. */
export function queryRoutes(app: App, deps: AppDeps): void {
  app.openapi(query, async (c) => {
    const { id } = c.req.valid("param");
    const { query: question } = c.req.valid("json");
    if (question.length > deps.config.maxQuestionChars) {
      throw new ValidationError(`query is too long (at most ${deps.config.maxQuestionChars} characters).`, 400);
    }
    const session = (await deps.sessions.get(id, c.get("owner"))).value;
    const started = performance.now();
    const memory = await getEntities(deps.kv, id);
    const { reply, memory: nextMemory } = await supervise(deps, session, question, memory);
    const ms = Math.round(performance.now() - started);
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
            result: reply.result,
            sources: reply.sources ?? null,
            llm: reply.llm ?? null,
            latency_ms: ms,
          },
        },
      ],
      { entities: nextMemory ?? undefined },
    );
    deps.log.log("info", "query answered", {
      request_id: c.get("requestId"),
      session_id: id,
      intent: reply.intent,
      planner: reply.planner,
      latency_ms: ms,
      ...(reply.llm
        ? { llm_tokens: reply.llm.total_tokens, llm_attempts: reply.llm.attempts, llm_fallback: reply.llm.fallback }
        : {}),
    });
    return c.json({
      session_id: id,
      response: reply.response,
      turn_number: Math.floor(saved.messageCount / 2),
      intent: reply.intent,
      subagent: reply.subagent,
      planner: reply.planner,
      sql: reply.sql,
      result: reply.result,
      chart_url: reply.chart_url,
      chart_spec: reply.chart_spec ?? null,
      basis: reply.basis ?? null,
      currency: reply.currency ?? null,
      plan: reply.plan,
      sources: reply.sources ?? null,
      llm: reply.llm ?? null,
    }, 200);
  });
}
