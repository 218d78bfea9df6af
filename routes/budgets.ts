/**
 * Budgets, the webhook alerts go to, and the digest: `/session/{id}/budgets`,
 * `/session/{id}/webhook`, `/session/{id}/digest`.
 * @module
 */
import { createRoute, z } from "@hono/zod-openapi";
import { hexOf } from "../analytics/bytes.ts";
import { type BudgetStatus, budgetStatus, newBudget, resolveScope, SCOPE_COLUMNS } from "../agents/budgets.ts";
import { weeklyDigest } from "../agents/digest.ts";
import { checkWebhookUrl } from "../agents/alerts.ts";
import { ValidationError } from "../errors.ts";
import { type BudgetScope, deleteBudget, listBudgets, saveBudget, saveWebhook } from "../memory/budgets.ts";
import type { SessionRecord } from "../memory/sessions.ts";
import type { App, AppDeps } from "./deps.ts";
import { errorResponses, MessageResponse, SessionParams } from "./schemas.ts";
import { datasetIdOf } from "./sessions.ts";
import { openDataset } from "../agents/supervisor.ts";

const json = <T>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });

/** Body of `POST /session/{id}/budgets` (also the MCP `set_budget` tool's input). */
export const BudgetBody = z.object({
  amount: z.number().positive().max(1e12).openapi({ description: "Per calendar month, in the data's currency." }),
  service: z.string().min(1).max(200).optional().openapi({ example: "EC2" }),
  account: z.string().min(1).max(200).optional(),
  provider: z.string().min(1).max(200).optional(),
  tag: z.object({ key: z.string().min(1).max(100), value: z.string().min(1).max(200) }).optional(),
  alert_at_pct: z.number().min(1).max(100).optional().openapi({
    description: "Alert once the month's actual reaches this percentage of the amount (default 100); a forecast " +
      "over the budget is alerted on too.",
  }),
}).strict().openapi("BudgetRequest");

/** Where a budget stands. */
export const BudgetStatusSchema = z.object({
  budget_id: z.string(),
  amount: z.number(),
  currency: z.string().nullable(),
  basis: z.string(),
  scope: z.string(),
  month: z.string(),
  data_through: z.string(),
  month_to_date: z.number(),
  complete: z.boolean(),
  forecast: z.object({ total: z.number(), lo80: z.number(), hi80: z.number(), lo95: z.number(), hi95: z.number() })
    .nullable(),
  probability_over: z.number().nullable(),
  crosses_on: z.string().nullable(),
  status: z.enum(["over", "likely_over", "at_risk", "on_track"]),
  sql: z.array(z.string()),
  text: z.string(),
}).openapi("BudgetStatus");

const BudgetsResponse = z.object({ budgets: z.array(BudgetStatusSchema) }).openapi("Budgets");

const WebhookBody = z.object({
  url: z.string().url().max(2000).openapi({ example: "https://hooks.slack.com/services/T000/B000/XXXX" }),
}).strict().openapi("WebhookRequest");

const WebhookResponse = z.object({
  url: z.string(),
  secret: z.string().openapi({
    description: "Signs every delivery: `X-FinOps-Signature: sha256=<hex HMAC-SHA256 of '<timestamp>.<body>'>` " +
      "with `X-FinOps-Timestamp`. Shown once.",
  }),
}).openapi("Webhook");

const budgetParams = SessionParams.extend({
  budget: z.string().uuid().openapi({ param: { name: "budget", in: "path" } }),
});

const routes = {
  create: createRoute({
    method: "post",
    path: "/session/{id}/budgets",
    tags: ["budgets"],
    summary: "Set a monthly budget (the whole bill, or a service, account, provider or tag)",
    request: {
      params: SessionParams,
      body: { content: { "application/json": { schema: BudgetBody } }, required: true },
    },
    responses: { 200: json(BudgetStatusSchema, "The budget and where it stands"), ...errorResponses(400, 404, 422) },
  }),
  list: createRoute({
    method: "get",
    path: "/session/{id}/budgets",
    tags: ["budgets"],
    summary: "Every budget of the session with month to date, forecast, probability of going over and crossing day",
    request: { params: SessionParams },
    responses: { 200: json(BudgetsResponse, "Budgets"), ...errorResponses(404, 422) },
  }),
  remove: createRoute({
    method: "delete",
    path: "/session/{id}/budgets/{budget}",
    tags: ["budgets"],
    summary: "Delete a budget",
    request: { params: budgetParams },
    responses: { 200: json(MessageResponse, "Deleted"), ...errorResponses(400, 404) },
  }),
  webhook: createRoute({
    method: "put",
    path: "/session/{id}/webhook",
    tags: ["budgets"],
    summary: "Where alerts and the weekly digest are posted (Slack-compatible JSON); the host must be allowed",
    request: {
      params: SessionParams,
      body: { content: { "application/json": { schema: WebhookBody } }, required: true },
    },
    responses: { 200: json(WebhookResponse, "The webhook and its signing secret"), ...errorResponses(400, 404, 422) },
  }),
  digest: createRoute({
    method: "get",
    path: "/session/{id}/digest",
    tags: ["budgets"],
    summary: "The weekly digest in Markdown: top changes, anomaly incidents, budgets, forecast",
    request: { params: SessionParams },
    responses: {
      200: { description: "The digest", content: { "text/markdown": { schema: z.string() } } },
      ...errorResponses(404),
    },
  }),
};

/**
 * Creates the budget a request body describes (REST and MCP): its scope resolved against the
 * data's values, its status computed, then stored. Returns the status.
 */
export async function createBudget(
  deps: AppDeps,
  session: SessionRecord,
  body: z.infer<typeof BudgetBody>,
): Promise<BudgetStatus> {
  const meta = await dataOf(deps, session);
  const named = [body.service, body.account, body.provider, body.tag].filter(Boolean).length;
  if (named > 1) throw new ValidationError("A budget is scoped to one service, account, provider or tag.", 400);
  const index = named ? await deps.values.get(deps.engine, meta) : {};
  let scope: BudgetScope | null = null;
  if (body.service) scope = resolveScope(SCOPE_COLUMNS.service, body.service, index);
  if (body.account) scope = resolveScope(SCOPE_COLUMNS.account, body.account, index);
  if (body.provider) scope = resolveScope(SCOPE_COLUMNS.provider, body.provider, index);
  if (body.tag) scope = resolveScope(`tag:${body.tag.key}`, body.tag.value, index);
  const budget = newBudget(session.id, body.amount, scope, body.alert_at_pct);
  const status = await budgetStatus(deps.engine, meta, budget);
  await saveBudget(deps.kv, budget);
  return status;
}

/** The session's dataset, opened in the engine, or a 404 saying there is none. */
function dataOf(deps: AppDeps, session: SessionRecord) {
  return openDataset(deps, datasetIdOf(session));
}

/** Every budget of a session with its status. */
export async function budgetStatuses(deps: AppDeps, session: SessionRecord) {
  const list = await listBudgets(deps.kv, session.id);
  if (!list.length) return [];
  const meta = await dataOf(deps, session);
  return await Promise.all(list.map((b) => budgetStatus(deps.engine, meta, b)));
}

/** Sets a session's webhook after checking its address; returns it with its new signing secret (REST and MCP). */
export async function setWebhook(
  deps: AppDeps,
  sessionId: string,
  raw: string,
): Promise<{ url: string; secret: string }> {
  const url = checkWebhookUrl(raw, deps.config);
  const secret = hexOf(crypto.getRandomValues(new Uint8Array(32)));
  await saveWebhook(deps.kv, sessionId, { url, secret, createdAt: new Date().toISOString() });
  return { url, secret };
}

/** Registers the budget, webhook and digest routes. */
export function budgetRoutes(app: App, deps: AppDeps): void {
  app.openapi(routes.create, async (c) => {
    const session = (await deps.sessions.get(c.req.valid("param").id, c.get("owner"))).value;
    return c.json(await createBudget(deps, session, c.req.valid("json")), 200);
  });

  app.openapi(routes.list, async (c) => {
    const session = (await deps.sessions.get(c.req.valid("param").id, c.get("owner"))).value;
    return c.json({ budgets: await budgetStatuses(deps, session) }, 200);
  });

  app.openapi(routes.remove, async (c) => {
    const { id, budget } = c.req.valid("param");
    await deps.sessions.get(id, c.get("owner"));
    await deleteBudget(deps.kv, id, budget);
    return c.json({ message: "Budget deleted" }, 200);
  });

  app.openapi(routes.webhook, async (c) => {
    const { id } = c.req.valid("param");
    await deps.sessions.get(id, c.get("owner"));
    return c.json(await setWebhook(deps, id, c.req.valid("json").url), 200);
  });

  app.openapi(routes.digest, async (c) => {
    const session = (await deps.sessions.get(c.req.valid("param").id, c.get("owner"))).value;
    c.header("content-type", "text/markdown; charset=utf-8");
    return c.body(await weeklyDigest(deps, session), 200) as never;
  });
}
