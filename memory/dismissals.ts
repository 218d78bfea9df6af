/**
 * Anomaly incidents a session has dismissed ("that one is expected"): never reported again in
 * that session. One KV entry per incident, deleted with the session.
 * @module
 */
import { keys } from "./keys.ts";

/** Records a dismissal (idempotent). */
export async function dismissIncident(kv: Deno.Kv, sessionId: string, incidentId: string): Promise<void> {
  await kv.set(keys.dismissed(sessionId, incidentId), { at: new Date().toISOString() });
}

/** The incident ids a session has dismissed. */
export async function dismissedIncidents(kv: Deno.Kv, sessionId: string): Promise<Set<string>> {
  const out = new Set<string>();
  for await (const e of kv.list({ prefix: keys.dismissedPrefix(sessionId) })) out.add(String(e.key[2]));
  return out;
}
