/**
 * Monthly budgets of a session, and where its alerts go: one KV entry per budget, one webhook
 * per session, one record per alert sent (so none is sent twice) and per delivery attempt. All
 * deleted with the session.
 * @module
 */
import { NotFoundError } from "../errors.ts";
import { deletePrefix } from "./blobs.ts";
import { keys } from "./keys.ts";

/** A filter a budget is scoped to (a service, account, provider or tag value). */
export interface BudgetScope {
  column: string;
  values: string[];
}

/** A monthly budget. */
export interface Budget {
  id: string;
  sessionId: string;
  /** Amount per calendar month, in the dataset's currency. */
  amount: number;
  scope: BudgetScope | null;
  /** Alert once the month's actual reaches this share of the amount (percent; absent: 100). */
  alertAtPct?: number;
  createdAt: string;
}

/** Where a session's alerts and digest are posted; `secret` signs each body (HMAC-SHA256). */
export interface Webhook {
  url: string;
  secret: string;
  createdAt: string;
}

/** An alert claimed (being sent) or delivered. */
export interface AlertRecord {
  state: "sending" | "sent";
  at: string;
  text: string;
}

/** The outcome of one delivery (all its attempts). */
export interface Delivery {
  alert: string;
  status: number | null;
  attempts: number;
  ok: boolean;
  error?: string;
  at: string;
}

/** Stores a budget. */
export async function saveBudget(kv: Deno.Kv, budget: Budget): Promise<void> {
  await kv.set(keys.budget(budget.sessionId, budget.id), budget);
}

/** A session's budgets, oldest first. */
export async function listBudgets(kv: Deno.Kv, sessionId: string): Promise<Budget[]> {
  const out: Budget[] = [];
  for await (const e of kv.list<Budget>({ prefix: keys.budgetsPrefix(sessionId) })) out.push(e.value);
  return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** Deletes a budget, or throws 404. */
export async function deleteBudget(kv: Deno.Kv, sessionId: string, id: string): Promise<void> {
  const e = await kv.get(keys.budget(sessionId, id));
  if (!e.value) throw new NotFoundError(`Budget '${id}' not found`);
  await kv.delete(keys.budget(sessionId, id));
}

/** Sets (or replaces) a session's webhook. */
export async function saveWebhook(kv: Deno.Kv, sessionId: string, hook: Webhook): Promise<void> {
  await kv.set(keys.webhook(sessionId), hook);
}

/** A session's webhook, or null. */
export async function getWebhook(kv: Deno.Kv, sessionId: string): Promise<Webhook | null> {
  return (await kv.get<Webhook>(keys.webhook(sessionId))).value;
}

/** Sessions with a webhook. */
export async function sessionsWithWebhooks(kv: Deno.Kv): Promise<string[]> {
  const out: string[] = [];
  for await (const e of kv.list({ prefix: keys.webhooksPrefix() })) out.push(String(e.key[1]));
  return out;
}

/**
 * Claims an alert for sending: true only for the first caller (an atomic check that no record
 * exists), so two runs at once never send it twice.
 */
export async function claimAlert(kv: Deno.Kv, sessionId: string, alertKey: string, text: string): Promise<boolean> {
  const key = keys.alert(sessionId, alertKey);
  const record: AlertRecord = { state: "sending", at: new Date().toISOString(), text };
  return (await kv.atomic().check({ key, versionstamp: null }).set(key, record).commit()).ok;
}

/** Marks a claimed alert sent, or releases the claim after a failed delivery (the next run retries). */
export async function settleAlert(
  kv: Deno.Kv,
  sessionId: string,
  alertKey: string,
  sent: boolean,
  text: string,
): Promise<void> {
  const key = keys.alert(sessionId, alertKey);
  if (sent) await kv.set(key, { state: "sent", at: new Date().toISOString(), text } satisfies AlertRecord);
  else await kv.delete(key);
}

/** Records a delivery (kept 30 days). */
export async function recordDelivery(kv: Deno.Kv, sessionId: string, delivery: Delivery): Promise<void> {
  await kv.set(keys.delivery(sessionId, delivery.at, crypto.randomUUID().slice(0, 8)), delivery, {
    expireIn: 30 * 86_400_000,
  });
}

/** A session's deliveries, oldest first. */
export async function listDeliveries(kv: Deno.Kv, sessionId: string): Promise<Delivery[]> {
  const out: Delivery[] = [];
  for await (const e of kv.list<Delivery>({ prefix: keys.deliveriesPrefix(sessionId) })) out.push(e.value);
  return out;
}

/** Deletes a session's budgets, webhook, alerts and deliveries. */
export async function deleteSessionBudgets(kv: Deno.Kv, sessionId: string): Promise<void> {
  await deletePrefix(kv, keys.budgetsPrefix(sessionId));
  await deletePrefix(kv, keys.alertsPrefix(sessionId));
  await deletePrefix(kv, keys.deliveriesPrefix(sessionId));
  await kv.delete(keys.webhook(sessionId));
}
