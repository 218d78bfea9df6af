/**
 * Datasets in Deno KV: the uploaded CSV stored durably as gzip chunks, made visible (and
 * attached to its session) by one final atomic commit.
 * @module
 */
import type { DatasetMeta } from "../analytics/dataset.ts";
import { NotFoundError } from "../errors.ts";
import { deletePrefix, gunzip, gzip, readChunks, writeChunks } from "./blobs.ts";
import { keys } from "./keys.ts";
import type { SessionRecord } from "./sessions.ts";

/**
 * Writes the CSV's chunks under a pending marker. Nothing is visible until
 * {@link commitDataset}; a crash leaves only a pending marker the sweeper removes.
 * Returns the number of chunks written. `csv` is read while this runs: the caller must not
 * change or transfer it until the promise settles.
 */
export async function writeDatasetBytes(kv: Deno.Kv, datasetId: string, csv: Uint8Array): Promise<number> {
  const packing = gzip(csv);
  await kv.set(keys.datasetPending(datasetId), { createdAt: new Date().toISOString() });
  const packed = await packing;
  return await writeChunks(kv, packed, (n) => keys.datasetChunk(datasetId, n));
}

/**
 * Makes a dataset visible: one atomic commit sets its record, clears the pending marker and,
 * when `sessionId` is given, points the session at it. Returns the session's previous
 * dataset id (for the caller to delete if not shared).
 */
export async function commitDataset(
  kv: Deno.Kv,
  meta: DatasetMeta,
  sessionId?: string,
): Promise<string | null> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const op = kv.atomic().set(keys.dataset(meta.id), meta).delete(keys.datasetPending(meta.id));
    let previous: string | null = null;
    if (sessionId) {
      const s = await kv.get<SessionRecord>(keys.session(sessionId));
      if (!s.value) throw new NotFoundError(`Session '${sessionId}' not found`);
      previous = s.value.datasetId;
      op.check(s).set(keys.session(sessionId), {
        ...s.value,
        datasetId: meta.id,
        lastActivity: new Date().toISOString(),
      });
    }
    if ((await op.commit()).ok) return previous;
  }
  throw new Error("could not attach dataset: too many concurrent writes");
}

/** Reads a dataset's record, or throws 404. */
export async function getDatasetMeta(kv: Deno.Kv, id: string): Promise<DatasetMeta> {
  const e = await kv.get<DatasetMeta>(keys.dataset(id));
  if (!e.value) throw new NotFoundError(`Dataset '${id}' not found`);
  return e.value;
}

/** Reads and decompresses a dataset's CSV bytes. */
export async function readDatasetBytes(kv: Deno.Kv, meta: DatasetMeta): Promise<Uint8Array> {
  return await gunzip(await readChunks(kv, keys.datasetChunksPrefix(meta.id), meta.chunks));
}

/** Deletes a dataset: the record first (invisible at once), then its chunks. */
export async function deleteDataset(kv: Deno.Kv, id: string): Promise<void> {
  await kv.delete(keys.dataset(id));
  await deletePrefix(kv, keys.datasetChunksPrefix(id));
  await kv.delete(keys.datasetPending(id));
}

/**
 * Deletes a dataset unless it is the shared sample; returns whether it is gone (false: shared,
 * kept). A dataset already without a record counts as private, so its chunks still go.
 */
export async function deleteDatasetIfPrivate(kv: Deno.Kv, id: string): Promise<boolean> {
  const meta = (await kv.get<DatasetMeta>(keys.dataset(id))).value;
  if (meta?.shared) return false;
  await deleteDataset(kv, id);
  return true;
}

/** Removes chunks of uploads that never committed (crashed or abandoned) older than `ageMs`. */
export async function sweepPendingDatasets(kv: Deno.Kv, ageMs: number, now = Date.now()): Promise<number> {
  let n = 0;
  for await (const e of kv.list<{ createdAt: string }>({ prefix: keys.datasetPendingPrefix() })) {
    if (now - Date.parse(e.value.createdAt) < ageMs) continue;
    const id = String(e.key[1]);
    const visible = await kv.get(keys.dataset(id));
    if (visible.value) {
      await kv.delete(e.key);
      continue;
    }
    await deleteDataset(kv, id);
    n++;
  }
  return n;
}
