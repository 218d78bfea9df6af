/**
 * Conversation history in Deno KV: messages in order under the session.
 * @module
 */
import { ConflictError, NotFoundError } from "../errors.ts";
import { keys } from "./keys.ts";
import type { SessionRecord } from "./sessions.ts";

/** A stored chat message. */
export interface StoredMessage {
  role: "user" | "assistant";
  content: string;
  timestamp: string;
  // deno-lint-ignore no-explicit-any
  metadata: Record<string, any>;
}

/** Messages in the short-term window (the last five turns). */
export const SHORT_TERM_MESSAGES = 10;

/** Appends in flight per session in this process: they queue here instead of racing in KV. */
const queues = new Map<string, Promise<unknown>>();

/** Runs `fn` after the previous append for the same session in this process has settled. */
function serialised<T>(sessionId: string, fn: () => Promise<T>): Promise<T> {
  const prev = queues.get(sessionId) ?? Promise.resolve();
  const run = prev.then(fn, fn);
  const tail = run.catch(() => {});
  queues.set(sessionId, tail);
  void tail.then(() => {
    if (queues.get(sessionId) === tail) queues.delete(sessionId);
  });
  return run;
}

/**
 * Appends messages to a session atomically with its record (`messageCount`, `lastActivity`)
 * and, when given, its entity memory, so history order is exact even under concurrent
 * requests. Retries on conflict.
 */
export function appendMessages(
  kv: Deno.Kv,
  sessionId: string,
  messages: StoredMessage[],
  opts: { entities?: unknown; now?: () => Date } = {},
): Promise<SessionRecord> {
  // Turns of one session queue in this process (50 parallel questions on one session made 24
  // of them exhaust the optimistic retries); other processes on the same KV still race, so
  // the commit stays checked and retried with a jittered backoff.
  return serialised(sessionId, () => appendChecked(kv, sessionId, messages, opts));
}

async function appendChecked(
  kv: Deno.Kv,
  sessionId: string,
  messages: StoredMessage[],
  opts: { entities?: unknown; now?: () => Date },
): Promise<SessionRecord> {
  const now = opts.now ?? (() => new Date());
  for (let attempt = 0; attempt < 20; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 5 * 2 ** attempt)));
    const e = await kv.get<SessionRecord>(keys.session(sessionId));
    if (!e.value) throw new NotFoundError(`Session '${sessionId}' not found`);
    const s: SessionRecord = {
      ...e.value,
      messageCount: e.value.messageCount + messages.length,
      lastActivity: now().toISOString(),
    };
    // A message larger than one KV value is cut: the metadata result is a copy of data we keep.
    const op = kv.atomic().check(e).set(keys.session(sessionId), s);
    messages.forEach((m, i) => op.set(keys.message(sessionId, e.value!.messageCount + i), fitMessage(m)));
    // Entity memory changes in the same commit as the turn it comes from.
    if (opts.entities !== undefined) op.set(keys.entities(sessionId), opts.entities);
    if ((await op.commit()).ok) return s;
  }
  throw new ConflictError("too many concurrent writes to one session");
}

const MAX_MESSAGE_BYTES = 60_000;

/** Drops the bulkiest metadata when a message would not fit in one KV value. */
export function fitMessage(m: StoredMessage): StoredMessage {
  const size = (x: unknown) => new TextEncoder().encode(JSON.stringify(x)).byteLength;
  if (size(m) <= MAX_MESSAGE_BYTES) return m;
  const meta = { ...m.metadata };
  if (meta.result?.rows) {
    meta.result = { ...meta.result, rows: meta.result.rows.slice(0, 50), truncated: true };
  }
  let out = { ...m, metadata: meta };
  if (size(out) > MAX_MESSAGE_BYTES) {
    delete meta.result;
    out = { ...m, metadata: meta };
  }
  if (size(out) > MAX_MESSAGE_BYTES) out = { ...out, content: out.content.slice(0, 20_000) };
  return out;
}

/** Reads a session's messages in order (all, or the last `limit`). */
export async function listMessages(kv: Deno.Kv, sessionId: string, limit?: number): Promise<StoredMessage[]> {
  const out: StoredMessage[] = [];
  const iter = kv.list<StoredMessage>(
    { prefix: keys.messagesPrefix(sessionId) },
    limit ? { limit, reverse: true } : {},
  );
  for await (const e of iter) out.push(e.value);
  return limit ? out.reverse() : out;
}
