/**
 * Alerts pushed to a session's webhook: budgets whose month is forecast over (or already over)
 * and new anomaly incidents, each posted once (claimed by KV key first), signed with HMAC-SHA256,
 * retried with backoff, every delivery recorded. Webhooks reach only configured hosts, never
 * loopback or private addresses unless that is allowed.
 * @module
 */
import { hexOf } from "../analytics/bytes.ts";
import type { Config } from "../config.ts";
import { ValidationError } from "../errors.ts";
import {
  claimAlert,
  getWebhook,
  listBudgets,
  recordDelivery,
  sessionsWithWebhooks,
  settleAlert,
  type Webhook,
} from "../memory/budgets.ts";
import { dismissedIncidents } from "../memory/dismissals.ts";
import type { SessionRecord } from "../memory/sessions.ts";
import { budgetStatus } from "./budgets.ts";
import { formatDelta } from "./format.ts";
import { runInsight } from "./insight/mod.ts";
import { defaultPlan } from "./planner.ts";
import { weeklyDigest } from "./digest.ts";
import { type AgentEnv, openDataset } from "./supervisor.ts";

/** Host names and literal addresses that are this machine or a private network. */
export function isPrivateHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  if (h === "localhost" || h.endsWith(".localhost") || h.endsWith(".local") || h.endsWith(".internal")) return true;
  const v4 = h.match(/^(\d+)\.(\d+)\.(\d+)\.(\d+)$/);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return a === 10 || a === 127 || a === 0 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
  }
  return h.includes(":") &&
    (h === "::1" || h === "::" || /^f[cd]/.test(h) || h.startsWith("fe80") || h.startsWith("::ffff:"));
}

/**
 * Checks a webhook URL: http(s), no credentials, a host in `WEBHOOK_HOSTS`, and not loopback or
 * private unless `WEBHOOK_ALLOW_PRIVATE` is set. Returns the URL as it will be used.
 */
export function checkWebhookUrl(raw: string, config: Pick<Config, "webhookHosts" | "webhookAllowPrivate">): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ValidationError("The webhook URL is not a URL.", 400);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ValidationError("A webhook URL must be http or https.", 400);
  }
  if (url.username || url.password) throw new ValidationError("A webhook URL must not carry credentials.", 400);
  const host = url.hostname.toLowerCase();
  if (!config.webhookHosts.includes(host)) {
    throw new ValidationError(
      `Webhooks may post to ${config.webhookHosts.join(", ") || "no host"} (WEBHOOK_HOSTS); ` +
        `'${host.slice(0, 100)}' is not one of them.`,
      422,
    );
  }
  if (isPrivateHost(host) && !config.webhookAllowPrivate) {
    throw new ValidationError("Webhooks may not post to loopback or private addresses (WEBHOOK_ALLOW_PRIVATE).", 422);
  }
  return url.toString();
}

/** Hex HMAC-SHA256 of `message` under `secret`. */
export async function hmacHex(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(message)));
  return hexOf(mac);
}

/** How deliveries retry: attempts in all, and the wait before the second (doubled each time). */
export interface RetryPolicy {
  attempts: number;
  firstDelayMs: number;
}

/** The default: three attempts, 2 s then 4 s apart. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, firstDelayMs: 2_000 };

/**
 * Posts `text` as Slack-compatible JSON (`{"text": …}`), signed: `X-FinOps-Timestamp` and
 * `X-FinOps-Signature: sha256=<HMAC of "<timestamp>.<body>">`. Retries on network errors, 429
 * and 5xx. Returns the last status and the attempts made.
 */
export async function deliver(
  hook: Webhook,
  text: string,
  retry: RetryPolicy = DEFAULT_RETRY,
): Promise<{ ok: boolean; status: number | null; attempts: number; error?: string }> {
  const body = JSON.stringify({ text });
  let status: number | null = null;
  let error: string | undefined;
  for (let attempt = 1; attempt <= retry.attempts; attempt++) {
    if (attempt > 1) await new Promise((r) => setTimeout(r, retry.firstDelayMs * 2 ** (attempt - 2)));
    const timestamp = String(Math.floor(Date.now() / 1000));
    try {
      const res = await fetch(hook.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-finops-timestamp": timestamp,
          "x-finops-signature": `sha256=${await hmacHex(hook.secret, `${timestamp}.${body}`)}`,
        },
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(10_000),
      });
      await res.body?.cancel();
      status = res.status;
      if (res.ok) return { ok: true, status, attempts: attempt };
      error = `HTTP ${res.status}`;
      if (res.status !== 429 && res.status < 500) return { ok: false, status, attempts: attempt, error };
    } catch (e) {
      error = e instanceof Error ? e.name : "network error";
    }
  }
  return { ok: false, status, attempts: retry.attempts, error };
}

/** One alert to send: a key that names it for good, and its text. */
export interface Alert {
  key: string;
  text: string;
}

/** The alerts a session's data calls for now: budgets over or forecast over, new incidents. */
export async function pendingAlerts(env: AgentEnv, session: SessionRecord): Promise<Alert[]> {
  if (!session.datasetId) return [];
  const meta = await openDataset(env, session.datasetId);
  const alerts: Alert[] = [];
  for (const budget of await listBudgets(env.kv, session.id)) {
    const s = await budgetStatus(env.engine, meta, budget);
    if (s.status === "over" || s.status === "likely_over") {
      alerts.push({
        key: `budget:${budget.id}:${s.month}:${s.status}`,
        text: `FinOps Agent budget alert\n\n${s.text}`,
      });
    }
    const pct = budget.alertAtPct ?? 100;
    if (pct < 100 && s.month_to_date >= (budget.amount * pct) / 100 && s.status !== "over") {
      alerts.push({
        key: `budget:${budget.id}:${s.month}:reached-${pct}`,
        text: `FinOps Agent budget alert: ${pct}% of the budget reached\n\n${s.text}`,
      });
    }
  }
  if (meta.dateRange) {
    const out = await runInsight("anomalies", {
      engine: env.engine,
      meta,
      plan: { ...defaultPlan(meta), analysis: "anomalies" },
      text: "any anomalies",
      notes: [],
      dismissed: await dismissedIncidents(env.kv, session.id),
      minImpact: env.anomalyMinImpact,
    });
    const rows = out.result?.rows ?? [];
    const column = (name: string) => out.result?.columns.findIndex((c) => c.name === name) ?? -1;
    const [id, series, kind, start, impact] = ["incident", "series", "kind", "start", "impact"].map(column);
    for (const row of rows) {
      if (id < 0 || typeof row[id] !== "string") continue;
      alerts.push({
        key: `incident:${row[id]}`,
        text: `FinOps Agent anomaly alert\n\n${row[series]}: ${row[kind]} from ${row[start]}, impact ${
          formatDelta(Number(row[impact]), meta.currency)
        } (${row[id]}). Ask "any anomalies?" in the session for the root cause.`,
      });
    }
  }
  return alerts;
}

/** What a run of the alert job did. */
export interface AlertRunReport {
  sessions: number;
  sent: number;
  failed: number;
  skipped: number;
}

/** What the jobs need beyond the agents' environment: the sessions, to skip expired ones. */
type JobEnv = AgentEnv & { sessions: { get(id: string): Promise<Deno.KvEntry<SessionRecord>> } };

/**
 * The daily job: for every session with a webhook, each pending alert not sent before is
 * claimed, posted and recorded; a failed delivery releases its claim, so the next run retries.
 */
export function runAlerts(env: JobEnv, retry: RetryPolicy = DEFAULT_RETRY): Promise<AlertRunReport> {
  return postToWebhooks(env, retry, (session) => pendingAlerts(env, session));
}

/** The weekly job: each session's digest, once per ISO week (`digest:2025-W27`). */
export function postDigests(
  env: JobEnv,
  now = new Date(),
  retry: RetryPolicy = DEFAULT_RETRY,
): Promise<AlertRunReport> {
  return postToWebhooks(env, retry, async (session) => [
    { key: `digest:${isoWeek(now)}`, text: await weeklyDigest(env, session) },
  ]);
}

/** `YYYY-Www` of a date (ISO 8601 week). */
export function isoWeek(date: Date): string {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  d.setUTCDate(d.getUTCDate() + 4 - (d.getUTCDay() || 7));
  const week = Math.ceil(((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}

/** Claims, posts and records what `alertsOf` calls for in every session with a webhook. */
async function postToWebhooks(
  env: JobEnv,
  retry: RetryPolicy,
  alertsOf: (session: SessionRecord) => Promise<Alert[]>,
): Promise<AlertRunReport> {
  const report: AlertRunReport = { sessions: 0, sent: 0, failed: 0, skipped: 0 };
  for (const sessionId of await sessionsWithWebhooks(env.kv)) {
    const session = await env.sessions.get(sessionId).then((e) => e.value).catch(() => null);
    const hook = session ? await getWebhook(env.kv, sessionId) : null;
    if (!session || !hook) continue;
    report.sessions++;
    const alerts = await alertsOf(session).catch((e) => {
      env.log?.log("error", "alerts failed", { session_id: sessionId, error: String(e) });
      return [];
    });
    for (const alert of alerts) {
      if (!(await claimAlert(env.kv, sessionId, alert.key, alert.text))) {
        report.skipped++;
        continue;
      }
      const result = await deliver(hook, alert.text, retry);
      await settleAlert(env.kv, sessionId, alert.key, result.ok, alert.text);
      await recordDelivery(env.kv, sessionId, {
        alert: alert.key,
        status: result.status,
        attempts: result.attempts,
        ok: result.ok,
        ...(result.error ? { error: result.error } : {}),
        at: new Date().toISOString(),
      });
      if (result.ok) report.sent++;
      else report.failed++;
    }
  }
  return report;
}
