/**
 * Bringing data in: an uploaded (or bundled) CSV is checked, stored durably in KV, loaded and
 * profiled in the engine, then made visible with one atomic commit. A failure at any step
 * leaves nothing visible behind.
 * @module
 */
import { createHash } from "node:crypto";
import { type CsvLimits, normaliseCsv, normaliseStream } from "../analytics/csv_input.ts";
import { csvSlices, readAhead } from "../analytics/csv_slices.ts";
import { ValidationError } from "../errors.ts";
import type { DatasetMeta } from "../analytics/dataset.ts";
import { ingestCsv } from "../analytics/ingest.ts";
import { archiveParts } from "../analytics/archive.ts";
import { appendCsv, CsvSummarizer, type DatasetFile, headerOf, joinParts, summarizeCsv } from "../analytics/combine.ts";
import { detectSchema } from "../analytics/schema.ts";
import { isParquet, parquetToCsv } from "../analytics/parquet.ts";
import {
  commitDataset,
  DatasetWriter,
  deleteDataset,
  deleteDatasetIfPrivate,
  getDatasetMeta,
  readDatasetBytes,
  streamDatasetBytes,
} from "../memory/datasets.ts";
import { keys } from "../memory/keys.ts";
import { pacer } from "../memory/blobs.ts";
import type { AgentEnv } from "./supervisor.ts";

/** Limits for one upload. */
export interface UploadLimits extends CsvLimits {
  maxRows: number;
  /** Bytes of one slice read into the engine at a time (default 4 MiB, `SLICE_BYTES`). */
  sliceBytes?: number;
}

/** Keeps only a harmless display name: no path, no control characters, bounded length. */
export function safeDisplayName(name: string | undefined | null): string {
  const base = String(name ?? "").split(/[\\/]/).pop() ?? "";
  // deno-lint-ignore no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f<>"'`]/g, "").trim().slice(0, 120);
  return clean || "upload.csv";
}

/**
 * Stores and loads a CSV as a new dataset. When `sessionId` is given, the dataset is attached
 * to the session in the same commit that makes it visible, and the session's previous
 * dataset is deleted unless it is shared.
 */
export async function importCsv(
  env: AgentEnv,
  name: string,
  bytes: Uint8Array,
  limits: UploadLimits,
  opts: { sessionId?: string; shared?: boolean; files?: DatasetFile[] } = {},
): Promise<DatasetMeta> {
  const { bytes: checked } = await normaliseCsv(bytes, limits, pacer());
  return await loadDataset(env, name, csvSlices([checked], limits.sliceBytes), limits, opts);
}

/**
 * Loads line-aligned slices of a checked CSV as a new dataset: each slice is stored (gzip
 * chunks in KV) and read into the engine as it passes, and the dataset becomes visible in one
 * commit after the last. `files` is read once the slices are all read (a stream's summary).
 */
async function loadDataset(
  env: AgentEnv,
  name: string,
  slices: AsyncIterable<Uint8Array>,
  limits: UploadLimits,
  opts: { sessionId?: string; shared?: boolean; files?: DatasetFile[] | (() => Promise<DatasetFile[]>) },
): Promise<DatasetMeta> {
  const id = crypto.randomUUID();
  const store = await DatasetWriter.open(env.kv, id);
  async function* stored() {
    for await (const slice of slices) {
      await store.write(slice);
      yield slice;
    }
  }
  try {
    const ingested = await ingestCsv(env.engine, id, safeDisplayName(name), readAhead(stored()), {
      maxRows: limits.maxRows,
    });
    const chunks = await store.close();
    const files = typeof opts.files === "function" ? await opts.files() : opts.files;
    const meta: DatasetMeta = { ...ingested, chunks, shared: opts.shared ?? false, ...(files ? { files } : {}) };
    const previous = await commitDataset(env.kv, meta, opts.sessionId);
    if (previous && previous !== id) await dropDatasetIfPrivate(env, previous);
    return meta;
  } catch (e) {
    await store.abort();
    await env.engine.unload(id).catch(() => {});
    await deleteDataset(env.kv, id).catch(() => {});
    throw e;
  }
}

/**
 * An upload read as it arrives (a CSV body, or the inflated `.csv.gz`): checked, summarised,
 * stored and loaded slice by slice, so memory does not grow with the file. Replaces the
 * session's data.
 */
export async function importStream(
  env: AgentEnv,
  name: string,
  chunks: AsyncIterable<Uint8Array>,
  limits: UploadLimits,
  opts: { sessionId: string },
): Promise<UploadOutcome> {
  const summary = new CsvSummarizer(costColumnOf);
  const hash = createHash("sha256");
  const pace = pacer();
  async function* received() {
    for await (const chunk of chunks) {
      hash.update(chunk);
      yield chunk;
    }
  }
  async function* checked() {
    // Each slice is summarised here, gzipped (awaited) and copied to the engine, one read ahead:
    // the slices may share three reused buffers.
    const slices = csvSlices(normaliseStream(received(), limits), limits.sliceBytes, undefined, { reuse: true });
    for await (const slice of slices) {
      await summary.add(slice, pace);
      if (summary.rows > limits.maxRows) {
        throw new ValidationError(
          `The file has more than ${limits.maxRows} rows; at most ${limits.maxRows} are accepted.`,
          422,
        );
      }
      yield slice;
    }
  }
  const file = (): DatasetFile => {
    const { rows, total, periods } = summary.result;
    return { name: safeDisplayName(name), rows, total, periods: [...periods].sort(), hash: hash.digest("hex") };
  };
  let added: DatasetFile | null = null;
  const meta = await loadDataset(env, name, checked(), limits, {
    sessionId: opts.sessionId,
    files: () => Promise.resolve([added = file()]),
  });
  return { meta, added: [added ?? file()], replaced: [], unchanged: false };
}

/** What an upload did to the session's data. */
export interface UploadOutcome {
  meta: DatasetMeta;
  /** The files this upload brought. */
  added: DatasetFile[];
  /** Billing periods the upload replaced (append mode). */
  replaced: string[];
  /** The upload changed nothing (the same files were already in the dataset). */
  unchanged: boolean;
}

/**
 * An upload in `replace` mode (the session's data becomes the upload) or `append` mode (the
 * upload joins the data there, replacing the billing periods it brings again). An archive
 * (`.zip`, `.tar.gz`) of CSV, `.csv.gz` or Parquet parts is one upload.
 */
export async function importUpload(
  env: AgentEnv,
  name: string,
  bytes: Uint8Array,
  limits: UploadLimits & { maxBytes: number },
  opts: { sessionId: string; mode: "replace" | "append" },
): Promise<UploadOutcome> {
  const parts = await uploadParts(name, bytes, limits);
  const cost = costColumn(parts[0].bytes);
  const summaries = await Promise.all(parts.map((p) => summarizeCsv(p.bytes, cost, pacer())));
  const added: DatasetFile[] = parts.map((p, i) => ({
    name: safeDisplayName(p.name),
    rows: summaries[i].rows,
    total: summaries[i].total,
    periods: [...summaries[i].periods].sort(),
    hash: p.hash,
  }));
  const session = await env.kv.get<{ datasetId: string | null }>(keys.session(opts.sessionId));
  const previous = opts.mode === "append" && session.value?.datasetId
    ? await getDatasetMeta(env.kv, session.value.datasetId).catch(() => null)
    : null;
  const into = { sessionId: opts.sessionId, files: added };
  if (!previous || previous.shared) {
    // One checked file loads as it is; joined parts are checked once more as a whole (their line
    // ends may differ from part to part).
    const meta = parts.length === 1
      ? await loadDataset(env, name, csvSlices([parts[0].bytes], limits.sliceBytes), limits, into)
      : await importCsv(env, name, joinParts(parts), limits, into);
    return { meta, added, replaced: [], unchanged: false };
  }
  const known = new Set((previous.files ?? []).map((f) => f.hash));
  if (added.every((f) => known.has(f.hash))) return { meta: previous, added, replaced: [], unchanged: true };
  const existing = await readDatasetBytes(env.kv, previous);
  const incoming = new Set(added.flatMap((f) => f.periods));
  const joined = parts.length > 1 ? joinParts(parts) : parts[0].bytes;
  const combined = await appendCsv(existing, joined, name, incoming, pacer());
  // Files whose periods were all brought again are gone; a file without periods stays.
  const before = previous.files ?? [{
    name: previous.name,
    rows: previous.rows,
    periods: [...(await summarizeCsv(existing, null, pacer())).periods].sort(),
    hash: "",
  }];
  const kept = before.flatMap((f) => {
    if (!f.periods.length) return [f];
    const left = f.periods.filter((p) => !combined.replaced.has(p));
    return left.length ? [{ ...f, periods: left }] : [];
  });
  const meta = await importCsv(env, previous.name, combined.bytes, limits, {
    sessionId: opts.sessionId,
    files: [...kept, ...added],
  });
  return { meta, added, replaced: [...combined.replaced].sort(), unchanged: false };
}

/** The column a file's cost comes from, as format detection reads its header (null: none found). */
function costColumn(bytes: Uint8Array): string | null {
  return costColumnOf(headerOf(bytes).names);
}

/** {@link costColumn} from a header's names. */
function costColumnOf(names: string[]): string | null {
  const schema = detectSchema(names.map((name) => ({ name, type: "VARCHAR" })));
  return schema?.sources.BilledCost ?? schema?.sources.EffectiveCost ?? null;
}

/**
 * The parts of an upload as checked CSV: the archive's entries, or the file itself; Parquet
 * read as CSV. Each with the SHA-256 of its bytes as received (as {@link importStream} hashes
 * a streamed file: the checks rewrite line ends differently, and a file sent again must be
 * recognised whichever way it came).
 */
async function uploadParts(
  name: string,
  bytes: Uint8Array,
  limits: UploadLimits & { maxBytes: number },
): Promise<{ name: string; bytes: Uint8Array; hash: string }[]> {
  const raw = archiveParts(bytes, limits.maxBytes, name) ?? [{ name, bytes }];
  const out: { name: string; bytes: Uint8Array; hash: string }[] = [];
  for (const p of raw) {
    const text = isParquet(p.bytes) ? await parquetToCsv(p.bytes, pacer()) : p.bytes;
    const checked = await normaliseCsv(text, limits, pacer());
    out.push({ name: p.name, bytes: checked.bytes, hash: createHash("sha256").update(p.bytes).digest("hex") });
  }
  return out;
}

/** Deletes a dataset (KV and engine) unless it is the shared sample. */
export async function dropDatasetIfPrivate(env: AgentEnv, id: string): Promise<void> {
  if (!(await deleteDatasetIfPrivate(env.kv, id))) return;
  await env.engine.unload(id).catch(() => {});
  env.values.delete(id);
}

/**
 * Makes sure the bundled sample is stored once in KV and returns its id (null if the file is
 * missing). Shared by every new session that does not upload its own file.
 */
export async function ensureSample(env: AgentEnv, path: string, limits: UploadLimits): Promise<string | null> {
  const existing = await env.kv.get<string>(keys.sampleDataset());
  if (existing.value) {
    const meta = await getDatasetMeta(env.kv, existing.value).catch(() => null);
    if (meta) return meta.id;
  }
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch {
    return null;
  }
  const meta = await importCsv(env, path.split("/").pop()!, bytes, limits, { shared: true });
  const res = await env.kv.atomic().check(existing).set(keys.sampleDataset(), meta.id).commit();
  if (!res.ok) {
    // Another instance stored the sample first: keep theirs.
    await deleteDataset(env.kv, meta.id);
    await env.engine.unload(meta.id);
    return (await env.kv.get<string>(keys.sampleDataset())).value;
  }
  return meta.id;
}

/**
 * Profiles a stored dataset again with the current ingest (same id, same stored bytes) and
 * replaces its record. Used when a record predates the current {@link INGEST_VERSION}.
 */
export function reprofileDataset(env: AgentEnv, meta: DatasetMeta): Promise<DatasetMeta> {
  // Concurrent openers of the same outdated dataset share one re-profile.
  let running = reprofiling.get(env);
  if (!running) reprofiling.set(env, running = new Map());
  let p = running.get(meta.id);
  if (!p) {
    p = reprofile(env, meta).finally(() => running.delete(meta.id));
    running.set(meta.id, p);
  }
  return p;
}

const reprofiling = new WeakMap<AgentEnv, Map<string, Promise<DatasetMeta>>>();

async function reprofile(env: AgentEnv, meta: DatasetMeta): Promise<DatasetMeta> {
  await env.engine.unload(meta.id);
  env.values.delete(meta.id);
  const stored = csvSlices(streamDatasetBytes(env.kv, meta), undefined, undefined, { reuse: true });
  const fresh = await ingestCsv(env.engine, meta.id, meta.name, stored);
  const next: DatasetMeta = { ...fresh, createdAt: meta.createdAt, chunks: meta.chunks, shared: meta.shared };
  await env.kv.set(keys.dataset(meta.id), next);
  return next;
}
