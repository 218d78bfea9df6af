/**
 * Entity memory in Deno KV: what the conversation remembers between turns (the last plan).
 * Written together with the turn by `appendMessages`.
 * @module
 */
import type { EntityMemory } from "../agents/planner.ts";
import { keys } from "./keys.ts";

/** Reads a session's entity memory (null when none). */
export async function getEntities(kv: Deno.Kv, sessionId: string): Promise<EntityMemory | null> {
  return (await kv.get<EntityMemory>(keys.entities(sessionId))).value;
}
