/**
 * The engine client: a pool of DuckDB-WASM workers, datasets pinned to a worker, loaded on
 * demand and evicted least-recently-used under a memory budget.
 *
 * @example
 * const engine = await Engine.start({ workers: 1 });
 * await engine.ensure(dataset, () => readDatasetBytes(kv, dataset));
 * const rs = await engine.query(dataset.id, "SELECT 1 AS x");
 * @module
 */
import { EngineError, QueryBudgetError } from "../errors.ts";
import type { ResultSet } from "./arrow_json.ts";
import type { EngineCall, EngineRequest, EngineResponse, SqlParam } from "./engine_protocol.ts";
import { WorkerCalls } from "./worker_calls.ts";
import { csvSlices, leadingLines } from "./csv_slices.ts";
import { concatBytes } from "./bytes.ts";

/** What the engine needs to know to (re)load a dataset. */
export interface LoadableDataset {
  id: string;
  /**
   * Statements run for each slice of the dataset's CSV, with the slice attached as the
   * dataset's file (`tableNames(id).file`): they read it into the dataset's table.
   */
  setupSql: string[];
  /** Lines a later slice needs in front of it (title lines and the header; default 1). */
  preambleLines?: number;
}

/** What reading one slice did: rows inserted, and the buffer the worker handed back. */
export interface SliceRead {
  rows: number;
  buffer?: ArrayBuffer;
}

/** A dataset's stored CSV: whole, or as a stream of chunks. */
export type DatasetSource = Uint8Array | AsyncIterable<Uint8Array>;

/**
 * DuckDB's row group (rows). A checkpoint compresses the rows added since the last one into row
 * groups of their own. The engine checkpoints before the rows pending pass half a row group: the
 * rows not yet compressed (≈ 280 bytes a row for a FOCUS file) are most of what a load holds in
 * the heap, and the heap never shrinks. DuckDB's vacuum, which would merge such half-filled row
 * groups by decompressing and compressing them again (500 ms a checkpoint, the heap at 144 MB
 * for 1M rows when checkpoints came every 16 MB of input), is off in the worker.
 */
const ROW_GROUP_ROWS = 122_880;

/** Options for {@link Engine.start}. */
export interface EngineOptions {
  /** Number of DuckDB workers (default 1). */
  workers?: number;
  /**
   * Memory budget in MB for the loaded tables (as DuckDB measures them, compressed) plus the
   * CSV files attached while they are read.
   */
  memoryMb?: number;
  /** Wall-clock budget of one query, in ms (default 15 s): past it the query is cancelled. */
  queryTimeoutMs?: number;
  /** DuckDB's `memory_limit` in each worker, in MB (default 2048). */
  queryMemoryMb?: number;
  /** Largest query result in bytes (default 64 MiB). */
  maxResultBytes?: number;
  /**
   * Heap growth of one query, in bytes, past which its worker is replaced once idle (default
   * 512 MiB): a WebAssembly heap never shrinks, so a query that grew it would keep that memory.
   */
  recycleGrowthBytes?: number;
}

type Reply = {
  result: ResultSet | null;
  bytes?: Uint8Array;
  memory?: number;
  rows?: number;
  heap?: number;
  tokens?: { offsets: number[]; types: number[] };
};

/** A call that failed because its worker was replaced (it did not cause that): safe to retry. */
class WorkerReplaced extends EngineError {
  constructor() {
    super("The query engine was restarted; ask again.", 503);
  }
}

/** The state of the engine's workers, for `/health`. */
export interface EngineHealth {
  workers: number;
  /** Workers replaced since start (stuck on a query, or grown too large). */
  restarts: number;
  /** Workers whose oldest call has run past the query budget. */
  stuck: number;
  /** Workers starting after a replacement. */
  restarting: number;
}

/** Where a dataset lives and what it costs: its attached file, and its tables once built. */
interface Loaded {
  w: EngineWorker;
  /** Bytes of the CSV file while it is attached (0 once detached). */
  file: number;
  /** Bytes DuckDB measured for the dataset's tables (sum of what its statements left behind). */
  tables: number;
  used: number;
  /** Being built (slices still coming): never evicted. */
  building: boolean;
}

class EngineWorker {
  readonly worker: Worker;
  readonly ready: Promise<{ ms: number; version: string }>;
  #calls = new WorkerCalls<Reply>();
  datasets = 0;
  /** Start times of the calls in flight (the worker answers them in order). */
  inflight = new Map<number, number>();
  /** Set when the worker grew too large: replaced as soon as it is idle. */
  retire = false;
  starting = true;
  /** Bytes of the worker's WebAssembly heap, as its last reply said. */
  heap = 0;

  constructor(memoryMb: number) {
    this.worker = new Worker(new URL("./engine_worker.ts", import.meta.url).href, {
      type: "module",
      name: JSON.stringify({ memoryMb }),
    });
    this.ready = new Promise((resolve, reject) => {
      this.worker.onmessage = (ev: MessageEvent<EngineResponse>) => {
        const msg = ev.data;
        if ("heap" in msg && msg.heap) this.heap = msg.heap;
        if ("ready" in msg) {
          this.starting = false;
          if (msg.ready) resolve({ ms: msg.ms, version: msg.version });
          else reject(new EngineError(`engine failed to start: ${msg.error}`, 503));
          return;
        }
        // A worker whose database failed is replaced once its calls in flight are answered.
        if (!msg.ok && msg.kind === "fatal") this.retire = true;
        this.#calls.settle(
          msg.id,
          msg.ok
            ? {
              value: {
                result: msg.result,
                bytes: msg.bytes,
                memory: msg.memory,
                rows: msg.rows,
                heap: msg.heap,
                tokens: msg.tokens,
              },
            }
            : {
              error: msg.kind === "budget"
                ? new QueryBudgetError(msg.error)
                : new EngineError(msg.error, msg.kind === "input" ? 422 : msg.kind === "fatal" ? 503 : 500),
            },
        );
      };
      this.worker.onerror = (ev) => {
        ev.preventDefault();
        const err = new EngineError(`engine worker crashed: ${ev.message}`, 503);
        reject(err);
        this.#calls.failAll(err);
      };
    });
  }

  call(req: EngineCall, transfer: Transferable[] = []): Promise<Reply> {
    const { id, promise } = this.#calls.open();
    this.inflight.set(id, Date.now());
    this.worker.postMessage({ ...req, id } as EngineRequest, transfer);
    return promise.finally(() => this.inflight.delete(id));
  }

  /** Milliseconds the oldest call in flight has been running (0 when idle). */
  get busyMs(): number {
    const oldest = Math.min(...this.inflight.values());
    return Number.isFinite(oldest) ? Date.now() - oldest : 0;
  }

  /** Stops the worker; its calls in flight fail as not their fault. */
  stop(): void {
    this.worker.terminate();
    this.#calls.failAll(new WorkerReplaced());
  }
}

/**
 * Names for a dataset id (hex only, so safe to splice into SQL): the canonical table `view`
 * that questions read, the `raw` view over the CSV while it is attached, and the CSV's `file`.
 */
export function tableNames(datasetId: string): { raw: string; view: string; file: string } {
  const hex = datasetId.replace(/[^0-9a-f]/gi, "").toLowerCase();
  if (hex.length < 8) throw new EngineError(`bad dataset id '${datasetId}'`);
  return { raw: `raw_${hex}`, view: `billing_${hex}`, file: `/upload/raw_${hex}.csv` };
}

/**
 * A pool of DuckDB workers. The memory budget counts what DuckDB itself reports for each
 * dataset's tables (measured around the statements that build them) and the CSV file while it
 * is attached; a dataset being loaded is never evicted.
 */
export class Engine {
  #workers: EngineWorker[];
  #where = new Map<string, Loaded>();
  #loading = new Map<string, Promise<void>>();
  /** How to load each dataset again (kept so a replaced worker's datasets come back on demand). */
  #loaders = new Map<string, { ds: LoadableDataset; fetch: () => Promise<DatasetSource> }>();
  #budget: number;
  #opts: Required<Omit<EngineOptions, "workers" | "memoryMb">>;
  #restarts = 0;
  /** Milliseconds the slowest worker took to start, and DuckDB's version. */
  startup = { ms: 0, version: "" };

  private constructor(n: number, memoryMb: number, opts: EngineOptions) {
    this.#opts = {
      queryTimeoutMs: opts.queryTimeoutMs ?? 15_000,
      queryMemoryMb: opts.queryMemoryMb ?? 2048,
      maxResultBytes: opts.maxResultBytes ?? 64 * 1048576,
      recycleGrowthBytes: opts.recycleGrowthBytes ?? 512 * 1048576,
    };
    this.#workers = Array.from({ length: n }, () => new EngineWorker(this.#opts.queryMemoryMb));
    this.#budget = memoryMb * 1024 * 1024;
  }

  /** Starts the workers and waits until DuckDB is instantiated in each. */
  static async start(opts: EngineOptions = {}): Promise<Engine> {
    const engine = new Engine(Math.max(1, opts.workers ?? 1), opts.memoryMb ?? 300, opts);
    const infos = await Promise.all(engine.#workers.map((w) => w.ready));
    engine.startup = { ms: Math.max(...infos.map((i) => i.ms)), version: infos[0].version };
    return engine;
  }

  /** Workers, restarts, and any worker stuck past the query budget or starting again. */
  get health(): EngineHealth {
    return {
      workers: this.#workers.length,
      restarts: this.#restarts,
      stuck: this.#workers.filter((w) => w.busyMs > this.#opts.queryTimeoutMs).length,
      restarting: this.#workers.filter((w) => w.starting).length,
    };
  }

  /**
   * Replaces a worker: the old one is stopped (its calls fail as retryable), its datasets are
   * forgotten and come back from their loaders when next asked for.
   */
  #replace(old: EngineWorker): void {
    const i = this.#workers.indexOf(old);
    if (i < 0) return;
    this.#restarts++;
    const fresh = new EngineWorker(this.#opts.queryMemoryMb);
    fresh.ready.catch(() => {});
    this.#workers[i] = fresh;
    for (const [id, e] of this.#where) if (e.w === old) this.#where.delete(id);
    old.stop();
  }

  /** A call outside the query budget (loading, dropping); a worker retired meanwhile is replaced once idle. */
  async #call(w: EngineWorker, req: EngineCall, transfer: Transferable[] = []): Promise<Reply> {
    try {
      return await w.call(req, transfer);
    } finally {
      if (w.retire && w.inflight.size === 0) this.#replace(w);
    }
  }

  /**
   * A query call under the budget: the worker cancels a slow query itself; a worker that does
   * not answer within the budget plus a grace period is replaced, and this call gets the budget
   * error. A query that grew the worker's heap past the recycle threshold retires the worker.
   */
  async #budgeted(w: EngineWorker, req: EngineCall): Promise<Reply> {
    const limit = this.#opts.queryTimeoutMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const watchdog = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new QueryBudgetError(`The query was stopped after ${Math.round(limit / 1000)} s, the limit per query.`));
        this.#replace(w);
      }, limit + Math.max(2000, limit / 2));
    });
    const before = w.heap;
    try {
      return await Promise.race([w.call(req), watchdog]);
    } finally {
      clearTimeout(timer);
      if (before && w.heap - before > this.#opts.recycleGrowthBytes) w.retire = true;
      if (w.retire && w.inflight.size === 0) this.#replace(w);
    }
  }

  /** Number of datasets currently loaded. */
  get loadedCount(): number {
    return this.#where.size;
  }

  /** Bytes of the loaded tables plus attached files (what the memory budget counts). */
  get loadedBytes(): number {
    return [...this.#where.values()].reduce((s, e) => s + e.file + e.tables, 0);
  }

  /**
   * Bytes of the workers' WebAssembly heaps, as their last replies said: the high-water mark of
   * what DuckDB ever held there (a WebAssembly heap never shrinks).
   */
  get heapBytes(): number {
    return this.#workers.reduce((s, w) => s + w.heap, 0);
  }

  /** Bytes DuckDB measured for one loaded dataset's tables, or null if it is not loaded. */
  tableBytes(datasetId: string): number | null {
    return this.#where.get(datasetId)?.tables ?? null;
  }

  /** The memory budget for loaded datasets, in bytes. */
  get budgetBytes(): number {
    return this.#budget;
  }

  /** Whether a dataset is loaded in some worker now. */
  isLoaded(datasetId: string): boolean {
    return this.#where.has(datasetId);
  }

  #pick(): EngineWorker {
    return this.#workers.reduce((a, b) => (b.datasets < a.datasets ? b : a));
  }

  async #evictFor(bytes: number): Promise<void> {
    let total = this.loadedBytes;
    // Datasets being built: evicting them would fail their load.
    const byAge = [...this.#where.entries()].filter(([, e]) => !e.building).sort((a, b) => a[1].used - b[1].used);
    for (const [id, e] of byAge) {
      if (total + bytes <= this.#budget) break;
      total -= e.tables;
      await this.unload(id);
    }
  }

  /**
   * Gives a dataset's CSV to a worker (which pins the dataset there) as the file
   * `tableNames(id).file`, until {@link Engine.detach}. The buffer travels to the worker and
   * back without a copy: use the returned view, not `bytes`, afterwards.
   */
  async attach(datasetId: string, bytes: Uint8Array): Promise<Uint8Array> {
    const e = await this.#place(datasetId, bytes.byteLength);
    const { file } = tableNames(datasetId);
    const reply = await this.#call(e.w, { op: "register", file, bytes }, [bytes.buffer as ArrayBuffer]);
    e.file = bytes.byteLength;
    return reply.bytes!;
  }

  /** The dataset's place, pinning it to the least busy worker first if it has none. */
  async #place(datasetId: string, bytes: number): Promise<Loaded> {
    const placed = this.#where.get(datasetId);
    if (placed) return placed;
    await this.#evictFor(bytes);
    const w = this.#pick();
    w.datasets++;
    const e = { w, file: 0, tables: 0, used: Date.now(), building: true };
    this.#where.set(datasetId, e);
    return e;
  }

  /**
   * Reads one slice of a dataset's CSV (a file of its own: header and rows) with `statements`,
   * the slice attached as the dataset's file while they run. The buffer is handed to the worker,
   * which hands it back once DuckDB has its own copy: the next slice is written into it, so
   * neither thread is left with megabytes of garbage per slice. Returns the rows the statements
   * inserted and the buffer.
   */
  async loadSlice(datasetId: string, bytes: Uint8Array, statements: string[]): Promise<SliceRead> {
    const e = await this.#place(datasetId, bytes.byteLength);
    e.used = Date.now();
    const { file } = tableNames(datasetId);
    const reply = await this.#call(e.w, { op: "slice", file, bytes, statements }, [bytes.buffer as ArrayBuffer]);
    e.tables += reply.memory ?? 0;
    return { rows: reply.rows ?? 0, buffer: reply.bytes?.buffer as ArrayBuffer | undefined };
  }

  /**
   * Reads slices of a CSV (from {@link csvSlices}: the first starts with the header) into a
   * dataset with `ds.setupSql` run per slice, and a checkpoint about every half row group's worth
   * of rows (see {@link ROW_GROUP_ROWS}), so that they are compressed as the load goes. `retry(error)` may repair the
   * statements after a failed slice (true: read that slice again).
   */
  async loadSlices(
    ds: LoadableDataset,
    slices: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    opts: { retry?: (error: unknown, slice: number) => Promise<boolean> } = {},
  ): Promise<void> {
    let preamble: Uint8Array | undefined;
    let sinceCheckpoint = 0;
    let lastRows = 0;
    let n = 0;
    // The buffer the worker handed back (a sent one is detached: empty, so a new one is made).
    let spare = new ArrayBuffer(0);
    for await (const slice of slices) {
      const head = preamble;
      preamble ??= leadingLines(slice, ds.preambleLines ?? 1).slice();
      for (;;) {
        // Each attempt sends a copy (the slice itself may still be stored meanwhile), with the
        // preamble in front, in the buffer the worker handed back when there is one.
        const file = concatBytes(head ? [head, slice] : [slice], spare);
        try {
          const read = await this.loadSlice(ds.id, file, ds.setupSql);
          spare = read.buffer ?? spare;
          sinceCheckpoint += read.rows;
          lastRows = read.rows;
          break;
        } catch (error) {
          if (!opts.retry || !(await opts.retry(error, n))) throw error;
        }
      }
      n++;
      // Checkpoint when a slice like the last one would take the rows pending past half a row group.
      if (sinceCheckpoint + lastRows > ROW_GROUP_ROWS / 2) {
        await this.setup(ds.id, ["CHECKPOINT"]);
        sinceCheckpoint = 0;
      }
    }
  }

  /**
   * Forgets an attached dataset's CSV file and drops its raw relation; the checkpoint then
   * compresses its tables.
   */
  async detach(datasetId: string): Promise<void> {
    const e = this.#where.get(datasetId);
    if (!e) return;
    const { raw, file } = tableNames(datasetId);
    // DuckDB compresses in-memory tables when it checkpoints, which it does by itself only past
    // 16 MB of changes: a 20,000-row table stayed uncompressed at 8.8 MB instead of 0.5 MB.
    // (A checkpoint compresses any table of the worker; while two loads overlap on one worker,
    // the saving may be counted against the wrong one, which only ever over-counts.)
    e.tables += (await this.#call(e.w, { op: "release", file, raw })).memory ?? 0;
    e.file = 0;
    e.building = false;
    e.tables = Math.max(0, e.tables);
  }

  /** Runs setup statements (views, tables) for an attached or loaded dataset, in order. */
  async setup(datasetId: string, statements: string[]): Promise<void> {
    const e = this.#entry(datasetId);
    for (const sql of statements) e.tables += (await this.#call(e.w, { op: "exec", sql })).memory ?? 0;
  }

  /**
   * Makes sure a stored dataset is loaded, fetching its CSV only when needed (a whole file, or
   * a stream read slice by slice). Concurrent callers share one load.
   */
  ensure(ds: LoadableDataset, fetch: () => Promise<DatasetSource>): Promise<void> {
    this.#loaders.delete(ds.id);
    this.#loaders.set(ds.id, { ds, fetch });
    // Loaders are small (a record and a closure); the oldest are forgotten past a few hundred.
    if (this.#loaders.size > 512) this.#loaders.delete(this.#loaders.keys().next().value!);
    let p = this.#loading.get(ds.id);
    if (!p && this.#where.has(ds.id)) {
      this.#where.get(ds.id)!.used = Date.now();
      return Promise.resolve();
    }
    if (!p) {
      p = (async () => {
        const source = await fetch();
        try {
          // Each slice is copied to the worker before the next is cut: they may share buffers.
          const slices = csvSlices(source instanceof Uint8Array ? [source] : source, undefined, undefined, {
            reuse: true,
          });
          await this.loadSlices(ds, slices);
        } catch (e) {
          await this.unload(ds.id);
          throw e;
        } finally {
          await this.detach(ds.id);
        }
      })().finally(() => this.#loading.delete(ds.id));
      this.#loading.set(ds.id, p);
    }
    return p;
  }

  #entry(datasetId: string) {
    const e = this.#where.get(datasetId);
    if (!e) throw new EngineError(`dataset ${datasetId} is not loaded`, 500);
    e.used = Date.now();
    return e;
  }

  /**
   * A call for a loaded dataset, under the query budget. A dataset whose worker was replaced is
   * loaded again first, and a call that failed only because another query's worker was replaced
   * is tried once more.
   */
  async #datasetCall(datasetId: string, req: EngineCall): Promise<Reply> {
    for (let attempt = 0;; attempt++) {
      const loader = this.#loaders.get(datasetId);
      if (!this.#where.has(datasetId) && loader) await this.ensure(loader.ds, loader.fetch);
      const e = this.#entry(datasetId);
      try {
        return await this.#budgeted(e.w, req);
      } catch (err) {
        if (!(err instanceof WorkerReplaced) || attempt > 0) throw err;
      }
    }
  }

  /** Runs one SELECT against the worker that holds the dataset, under the query budget. */
  async query(datasetId: string, sql: string, params: SqlParam[] = []): Promise<ResultSet> {
    const req = { op: "query" as const, sql, params, ...this.#limits() };
    return (await this.#datasetCall(datasetId, req)).result!;
  }

  #limits() {
    return { timeoutMs: this.#opts.queryTimeoutMs, maxResultBytes: this.#opts.maxResultBytes };
  }

  /**
   * The physical plan of one SELECT as DuckDB's JSON tree (after the same one-statement guard
   * as {@link Engine.query}), without running it.
   */
  async explain(datasetId: string, sql: string): Promise<unknown> {
    const req = { op: "query" as const, sql, explain: true, ...this.#limits() };
    const rs = (await this.#datasetCall(datasetId, req)).result!;
    const col = rs.columns.findIndex((c) => c.name === "explain_value");
    return JSON.parse(String(rs.rows[0]?.[col] ?? "[]"));
  }

  /** DuckDB's tokens of a text (start offsets and types: identifier, number, string, operator, keyword, comment). */
  async tokenize(datasetId: string, sql: string): Promise<{ offsets: number[]; types: number[] }> {
    return (await this.#datasetCall(datasetId, { op: "tokenize", sql })).tokens!;
  }

  /** Drops a dataset's table, raw view and file, and forgets it. */
  async unload(datasetId: string): Promise<void> {
    const e = this.#where.get(datasetId);
    if (!e) return;
    this.#where.delete(datasetId);
    e.w.datasets--;
    const { raw, view, file } = tableNames(datasetId);
    await this.#call(e.w, { op: "drop", table: view, view: raw, file });
  }

  /** Terminates all workers. */
  close(): void {
    for (const w of this.#workers) w.worker.terminate();
    this.#where.clear();
    this.#loaders.clear();
  }
}
