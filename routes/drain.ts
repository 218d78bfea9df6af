/**
 * Draining before a shutdown. An upload reads its body as it streams in, slice by slice, and
 * the runtime's `server.shutdown()` cuts bodies still arriving: on SIGTERM the server first
 * stops taking new requests (503) and lets the uploads in flight finish, and only then stops
 * listening.
 *
 * @example
 * const upload = deps.drain.track(importStream(…));
 * // on SIGTERM:
 * deps.drain.start(); await deps.drain.idle(); await server.shutdown();
 * @module
 */
import { UnavailableError } from "../errors.ts";

/** The uploads in flight, and whether new requests are still taken. */
export class Drain {
  #active = new Set<Promise<unknown>>();
  #draining = false;

  /** Counts `work` as in flight until it settles; returns it. */
  track<T>(work: Promise<T>): Promise<T> {
    this.#active.add(work);
    work.finally(() => this.#active.delete(work)).catch(() => {});
    return work;
  }

  /** From now on, new requests are refused. */
  start(): void {
    this.#draining = true;
  }

  /** Throws a 503 once draining has started. */
  refuseIfDraining(): void {
    if (this.#draining) throw new UnavailableError("The server is shutting down; send the request again in a moment.");
  }

  /** Resolves when no tracked work is in flight. */
  async idle(): Promise<void> {
    while (this.#active.size) await Promise.allSettled([...this.#active]);
  }
}
