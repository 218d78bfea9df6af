/**
 * Fixed-window rate limits in Deno KV, so every isolate and process sharing the store counts the
 * same requests: one `Deno.KvU64` per key and window, incremented by a checked atomic commit and
 * expiring after its window.
 *
 * The decision and the increment are one commit: a hit is allowed only when the counters it read
 * are the ones it wrote over. Hits for the same keys are queued in this process, so a burst of
 * concurrent requests never races itself; a commit that keeps losing to other processes is
 * refused (429), never allowed on counts it did not store.
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

/** Commits tried against other processes before a hit is refused. */
const MAX_ATTEMPTS = 12;

/** The tail of each counter key's queue of hits in this process. */
const queues = new Map<string, Promise<unknown>>();

/** Runs `task` after every earlier task queued under any of `lockKeys` (in this process). */
function serialised<T>(lockKeys: string[], task: () => Promise<T>): Promise<T> {
  const before = Promise.all(lockKeys.map((k) => queues.get(k)));
  const run = before.then(task, task);
  const tail = run.catch(() => {});
  for (const k of lockKeys) queues.set(k, tail);
  void tail.then(() => {
    for (const k of lockKeys) if (queues.get(k) === tail) queues.delete(k);
  });
  return run;
}

/**
 * Counts a hit against every limit and throws a {@link RateLimitError} (429, `Retry-After` to
 * the window's end) when one is exceeded. A refused hit still counts: a script that keeps
 * hammering stays refused until it waits.
 */
export function checkRateLimits(
  kv: Deno.Kv,
  limits: Limit[],
  windowMs = 60_000,
  now = Date.now(),
): Promise<void> {
  const window = Math.floor(now / windowMs);
  const retry = ((window + 1) * windowMs - now) / 1000;
  const ks = limits.map((l) => keys.rateLimit(l.key, window));
  return serialised(ks.map((k) => JSON.stringify(k)), async () => {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const entries = await kv.getMany<Deno.KvU64[]>(ks);
      const counts = entries.map((e) => (e.value?.value ?? 0n) + 1n);
      const op = kv.atomic();
      entries.forEach((e, i) => op.check(e).set(e.key, new Deno.KvU64(counts[i]), { expireIn: windowMs * 2 }));
      if (!(await op.commit()).ok) {
        // Another process counted meanwhile: back off a little, at random, and read again.
        await new Promise((r) => setTimeout(r, Math.random() * 5 * (attempt + 1)));
        continue;
      }
      const over = limits.find((l, i) => Number(counts[i]) > l.max);
      if (over) {
        throw new RateLimitError(`Too many ${over.what}: at most ${over.max} a minute. Try again shortly.`, retry);
      }
      return;
    }
    throw new RateLimitError("Too many requests at once: try again shortly.", Math.max(1, Math.min(retry, 5)));
  });
}
