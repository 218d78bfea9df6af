/**
 * Fixed-window rate limits in Deno KV, so every isolate and process sharing the store counts the
 * same requests: one `Deno.KvU64` per key and window, incremented by a checked atomic commit and
 * expiring after its window.
 * @module
 */
import { RateLimitError } from "../errors.ts";
import { keys } from "./keys.ts";

/** One limit to check: a counter key, the most hits per window, and what it is for the message. */
export interface Limit {
  key: string;
  max: number;
  what: string;
}

/**
 * Counts a hit against every limit and throws a {@link RateLimitError} (429, `Retry-After` to
 * the window's end) when one is exceeded. A refused hit still counts: a script that keeps
 * hammering stays refused until it waits.
 */
export async function checkRateLimits(
  kv: Deno.Kv,
  limits: Limit[],
  windowMs = 60_000,
  now = Date.now(),
): Promise<void> {
  const window = Math.floor(now / windowMs);
  const ks = limits.map((l) => keys.rateLimit(l.key, window));
  let counts: bigint[] = [];
  // Check-and-set so the counters expire with their window; retried when another hit raced us.
  for (let attempt = 0; attempt < 20; attempt++) {
    const entries = await kv.getMany<Deno.KvU64[]>(ks);
    counts = entries.map((e) => (e.value?.value ?? 0n) + 1n);
    const op = kv.atomic();
    entries.forEach((e, i) => op.check(e).set(e.key, new Deno.KvU64(counts[i]), { expireIn: windowMs * 2 }));
    if ((await op.commit()).ok) break;
  }
  const over = limits.find((l, i) => Number(counts[i] ?? 0n) > l.max);
  if (over) {
    const retry = ((window + 1) * windowMs - now) / 1000;
    throw new RateLimitError(`Too many ${over.what}: at most ${over.max} a minute. Try again shortly.`, retry);
  }
}
