/**
 * Session lifecycle in KV: sessions idle longer than `MAX_SESSION_AGE_DAYS` are deleted with
 * their history, charts, memory and private dataset; uploads that never committed and chunks
 * left without a record are removed. Run hourly by the server (`Deno.cron` where available) and
 * by hand with `deno task cleanup`.
 * @module
 */
import { deleteDatasetIfPrivate, sweepPendingDatasets } from "./datasets.ts";
import { deletePrefix } from "./blobs.ts";
import { keys } from "./keys.ts";
import type { SessionRecord, SessionStore } from "./sessions.ts";

/** What a sweep removed. */
export interface SweepReport {
  sessions: number;
  datasets: number;
  pending: number;
  orphans: number;
}

/** Uploads younger than this are still in progress, not abandoned. */
export const PENDING_GRACE_MS = 60 * 60 * 1000;

/**
 * Deletes expired sessions and what belongs to them, then abandoned uploads and orphan chunks.
 * `onDatasetDeleted` lets a running server drop the dataset from its in-memory caches too.
 */
export async function sweepExpired(
  kv: Deno.Kv,
  sessions: SessionStore,
  opts: { now?: number; onDatasetDeleted?: (id: string) => Promise<void> | void } = {},
): Promise<SweepReport> {
  const report: SweepReport = { sessions: 0, datasets: 0, pending: 0, orphans: 0 };
  for await (const e of kv.list<SessionRecord>({ prefix: keys.sessionsPrefix() })) {
    const s = e.value;
    if (!sessions.isExpired(s)) continue;
    await sessions.delete(s);
    report.sessions++;
    if (!s.datasetId || !(await deleteDatasetIfPrivate(kv, s.datasetId))) continue;
    await opts.onDatasetDeleted?.(s.datasetId);
    report.datasets++;
  }
  report.pending = await sweepPendingDatasets(kv, PENDING_GRACE_MS, opts.now);
  report.orphans = await sweepOrphanChunks(kv);
  return report;
}

/**
 * Removes dataset chunks that have neither a record nor a pending upload (a delete cut between
 * its record and its chunks). Returns the number of datasets whose chunks were removed.
 */
export async function sweepOrphanChunks(kv: Deno.Kv): Promise<number> {
  const ids = new Set<string>();
  for await (const e of kv.list({ prefix: ["dataset_chunk"] })) ids.add(String(e.key[1]));
  let n = 0;
  for (const id of ids) {
    const [rec, pending] = await kv.getMany([keys.dataset(id), keys.datasetPending(id)]);
    if (rec.value || pending.value) continue;
    await deletePrefix(kv, keys.datasetChunksPrefix(id));
    n++;
  }
  return n;
}
