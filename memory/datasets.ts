/**
 * Datasets in Deno KV: the uploaded CSV stored durably as gzip chunks, made visible (and
 * attached to its session) by one final atomic commit.
 * @module
 */
import { createGzip, type Gzip } from "node:zlib";
import type { DatasetMeta } from "../analytics/dataset.ts";
import { NotFoundError } from "../errors.ts";
import { concatBytes } from "../analytics/bytes.ts";
import { deletePrefix, gunzip, readChunks, writeChunks } from "./blobs.ts";
import { CHUNK_BYTES, CHUNKS_PER_COMMIT, keys } from "./keys.ts";
import type { SessionRecord } from "./sessions.ts";

/**
 * Makes a dataset visible: one atomic commit sets its record, clears the pending marker and,
 * when `sessionId` is given, points the session at it (see {@link attachDataset}). Returns the
 * session's previous dataset id (for the caller to delete if not shared).
 */
export function commitDataset(kv: Deno.Kv, meta: DatasetMeta, sessionId?: string): Promise<string | null> {
  const visible = (op: Deno.AtomicOperation) =>
    op.set(keys.dataset(meta.id), meta).delete(keys.datasetPending(meta.id));
  if (sessionId) return attachDataset(kv, sessionId, meta.id, visible);
  return retried(async () => (await visible(kv.atomic()).commit()).ok ? null : undefined);
}

/**
 * Points a session at a dataset (with `also`'s writes in the same commit) and resets its
 * conversation memory: what it remembered (filters, grouping, period) was about the old data,
 * and a follow-up must not carry a filter on a value the new data may not have. Returns the
 * previous dataset id.
 */
export function attachDataset(
  kv: Deno.Kv,
  sessionId: string,
  datasetId: string,
  also: (op: Deno.AtomicOperation) => Deno.AtomicOperation = (op) => op,
): Promise<string | null> {
  return retried(async () => {
    const s = await kv.get<SessionRecord>(keys.session(sessionId));
    if (!s.value) throw new NotFoundError(`Session '${sessionId}' not found`);
    const op = also(kv.atomic()).check(s).set(keys.session(sessionId), {
      ...s.value,
      datasetId,
      lastActivity: new Date().toISOString(),
    });
    if (s.value.datasetId !== datasetId) op.delete(keys.entities(sessionId));
    return (await op.commit()).ok ? s.value.datasetId : undefined;
  });
}

/** Runs a checked commit until it lands (`undefined`: it lost a race; try again). */
async function retried<T>(attempt: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 20; i++) {
    const out = await attempt();
    if (out !== undefined) return out;
  }
  throw new Error("could not attach dataset: too many concurrent writes");
}

/** Reads a dataset's record, or throws 404. */
export async function getDatasetMeta(kv: Deno.Kv, id: string): Promise<DatasetMeta> {
  const e = await kv.get<DatasetMeta>(keys.dataset(id));
  if (!e.value) throw new NotFoundError(`Dataset '${id}' not found`);
  return e.value;
}

/**
 * Compression level of a stored dataset: zlib's level 2 gzips a CSV about five times faster than
 * the default (level 6, which CompressionStream uses) for about a fifth more bytes (1M FOCUS rows:
 * 0.5 s and 27 MB against 2.6 s and 22 MB), and an upload's gzip shares the request thread.
 */
const STORE_GZIP_LEVEL = 2;

/**
 * A dataset's CSV written to KV as it arrives: gzipped as a stream, committed in chunks as they
 * fill (under a pending marker the sweep removes if it is never committed), so the file is never held whole.
 *
 * @example
 * const store = await DatasetWriter.open(kv, id);
 * for await (const slice of slices) await store.write(slice);
 * meta.chunks = await store.close();
 */
export class DatasetWriter {
  #gzip: Gzip;
  #stored: Promise<number>;
  /** Settles when the store does: a write waiting on the compressor gives up if the store failed. */
  #storeEnded: Promise<void>;

  private constructor(kv: Deno.Kv, datasetId: string) {
    this.#gzip = createGzip({ level: STORE_GZIP_LEVEL });
    this.#stored = storeChunks(kv, this.#gzip, (n) => keys.datasetChunk(datasetId, n));
    this.#storeEnded = this.#stored.then(() => {});
    // A failed store surfaces on the next write or on close; never as an unhandled rejection.
    this.#storeEnded.catch(() => {});
  }

  /** Starts a dataset's chunks: the pending marker first, so a crash leaves something the sweep finds. */
  static async open(kv: Deno.Kv, datasetId: string): Promise<DatasetWriter> {
    await kv.set(keys.datasetPending(datasetId), { createdAt: new Date().toISOString() });
    return new DatasetWriter(kv, datasetId);
  }

  /**
   * Adds bytes (read later: the caller must not change them). Resolves once the compressor has
   * read them, which waits while the store is behind, so a slow store slows the reader instead
   * of filling memory.
   */
  async write(bytes: Uint8Array): Promise<void> {
    // No closure is made here: one made per write and left waiting on the store would keep
    // every slice written alive until the upload ends (150 MB for a 150 MB file).
    await Promise.race([compressorTakes(this.#gzip, bytes), this.#storeEnded]);
  }

  /** Flushes the last chunks; returns the number of chunks written. */
  async close(): Promise<number> {
    this.#gzip.end();
    return await this.#stored;
  }

  /** Stops writing (the caller deletes what was written). */
  async abort(): Promise<void> {
    this.#gzip.destroy();
    await this.#stored.catch(() => {});
  }
}

/** Resolves once the compressor has read `bytes` (it holds back while its output is not read). */
function compressorTakes(gzip: Gzip, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => gzip.write(bytes, (error) => error ? reject(error) : resolve()));
}

/** Commits a stream's bytes as numbered chunks of {@link CHUNK_BYTES}, a few per commit; returns the count. */
async function storeChunks(
  kv: Deno.Kv,
  stream: AsyncIterable<Uint8Array>,
  keyOf: (n: number) => Deno.KvKey,
): Promise<number> {
  let buffered: Uint8Array[] = [];
  let size = 0;
  let written = 0;
  const flush = async (all: boolean) => {
    const joined = concatBytes(buffered);
    const whole = all ? joined.byteLength : joined.byteLength - (joined.byteLength % CHUNK_BYTES);
    written += await writeChunks(kv, joined.subarray(0, whole), (n) => keyOf(written + n));
    buffered = whole < joined.byteLength ? [joined.slice(whole)] : [];
    size = joined.byteLength - whole;
  };
  for await (const part of stream) {
    buffered.push(part);
    size += part.byteLength;
    if (size >= CHUNK_BYTES * CHUNKS_PER_COMMIT) await flush(false);
  }
  if (size) await flush(true);
  return written;
}

/** A dataset's CSV read from KV as a stream of inflated chunks (never whole). */
export async function* streamDatasetBytes(kv: Deno.Kv, meta: DatasetMeta): AsyncGenerator<Uint8Array> {
  const inflate = new DecompressionStream("gzip");
  const feeding = (async () => {
    const input = inflate.writable.getWriter();
    let n = 0;
    try {
      for await (const e of kv.list<Uint8Array>({ prefix: keys.datasetChunksPrefix(meta.id) })) {
        await input.write(e.value as Uint8Array<ArrayBuffer>);
        n++;
      }
      if (n !== meta.chunks) throw new Error(`blob incomplete: ${n}/${meta.chunks} chunks`);
      await input.close();
    } catch (e) {
      await input.abort(e).catch(() => {});
      throw e;
    }
  })();
  feeding.catch(() => {});
  yield* inflate.readable;
  await feeding;
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
