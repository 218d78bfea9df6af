/**
 * Calls to a worker matched to their replies by id: one mechanism for the DuckDB workers
 * (engine.ts) and the chart worker (charts/renderer.ts).
 *
 * ```ts
 * const calls = new WorkerCalls<number>();
 * const { id, promise } = calls.open();
 * worker.postMessage({ id, ... });
 * // in worker.onmessage: calls.settle(msg.id, msg.ok ? { value } : { error })
 * ```
 * @module
 */

/** How a call ended: a value, or an error. */
export type Outcome<T> = { value: T } | { error: Error };

/** The calls in flight to one worker. */
export class WorkerCalls<T> {
  #pending = new Map<number, { resolve: (v: T) => void; reject: (e: Error) => void }>();
  #next = 1;

  /** A new call: the id to send with the request and the promise its reply settles. */
  open(): { id: number; promise: Promise<T> } {
    const id = this.#next++;
    const promise = new Promise<T>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    return { id, promise };
  }

  /** Calls in flight. */
  get size(): number {
    return this.#pending.size;
  }

  /** Settles the call `id` (a reply for an unknown or settled id is ignored). */
  settle(id: number, outcome: Outcome<T>): void {
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    if ("error" in outcome) p.reject(outcome.error);
    else p.resolve(outcome.value);
  }

  /** Fails every call in flight (the worker crashed or was stopped). */
  failAll(error: Error): void {
    for (const p of this.#pending.values()) p.reject(error);
    this.#pending.clear();
  }
}
