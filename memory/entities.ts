/**
 * Entity memory in Deno KV: what the conversation remembers between turns (the last plan).
 * Written together with the turn by `appendMessages`. The plan is stored as the agents wrote
 * it; this layer does not know its type (memory sits below agents), so callers name it.
 * @module
 */
import { keys } from "./keys.ts";

/** What a session remembers between turns, with the plan type supplied by the caller. */
export interface StoredEntities<Plan> {
  lastPlan: Plan | null;
  /** Ids of the anomaly incidents the last answer listed, in order ("that one is expected"). */
  incidents?: string[];
}

/** Reads a session's entity memory (null when none). */
export async function getEntities<Plan>(kv: Deno.Kv, sessionId: string): Promise<StoredEntities<Plan> | null> {
  return (await kv.get<StoredEntities<Plan>>(keys.entities(sessionId))).value;
}
