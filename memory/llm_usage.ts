/**
 * Tokens the LLM used per session, for the per-session budget: one `Deno.KvU64` counter that
 * grows with atomic `sum` operations, so concurrent turns never lose an update.
 * @module
 */
import { keys } from "./keys.ts";

/** Tokens used so far by a session's LLM turns. */
export async function getLlmUsage(kv: Deno.Kv, sessionId: string): Promise<number> {
  const e = await kv.get<Deno.KvU64>(keys.llmUsage(sessionId));
  return e.value ? Number(e.value.value) : 0;
}

/** Adds a turn's tokens to the session's total. */
export async function addLlmUsage(kv: Deno.Kv, sessionId: string, tokens: number): Promise<void> {
  if (!(tokens > 0)) return;
  await kv.atomic().sum(keys.llmUsage(sessionId), BigInt(Math.round(tokens))).commit();
}
