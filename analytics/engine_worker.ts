/// <reference lib="deno.worker" />
/**
 * The DuckDB-WASM worker: the only code that touches DuckDB. Runs the blocking build off the
 * request thread. The database is sandboxed before any data arrives: no file system beyond the
 * virtual `/upload/` folder, no extensions, configuration locked.
 * @module
 */
import { createRequire } from "node:module";
import { arrowToResultSet } from "./arrow_json.ts";
import { collectGarbageSoon } from "./collect_garbage.ts";
import type { EngineRequest, EngineResponse } from "./engine_protocol.ts";

const require = createRequire(import.meta.url);
const t0 = performance.now();

/** Settings the engine passes in the worker's name (JSON): DuckDB's memory limit in MB. */
const settings: { memoryMb?: number } = (() => {
  try {
    return JSON.parse(self.name || "{}");
  } catch {
    return {};
  }
})();

/** A query stopped by its budget (time or result size). */
class BudgetError extends Error {}

/** Virtual files currently registered (the only paths DuckDB may see). */
const registered = new Set<string>();
// deno-lint-ignore no-explicit-any
let db: any;
// deno-lint-ignore no-explicit-any
let conn: any;
/** Apache Arrow as DuckDB-WASM bundles it (to read the IPC batches of a budgeted query). */
// deno-lint-ignore no-explicit-any
let arrow: any;

/** Errors DuckDB raises for bad input (as opposed to engine faults). */
const INPUT_ERROR =
  /^(Parser|Binder|Catalog|Conversion|Invalid Input|Permission|Constraint|Out of Range|Not implemented|Dependency) Error|CSV Error|Sniffing|Could not convert|Error when sniffing/i;

function reply(msg: EngineResponse) {
  // Every reply says how large the WebAssembly heap is now (the engine replaces a worker that grew too much).
  if ("ok" in msg && db) msg.heap = heapBytes();
  // A file's bytes go back to the caller (transferred, not copied) once DuckDB has its own copy.
  self.postMessage(msg, "bytes" in msg && msg.bytes ? [msg.bytes.buffer as ArrayBuffer] : []);
}

function init() {
  const main = require.resolve("@duckdb/duckdb-wasm/dist/duckdb-node-blocking.cjs");
  const dist = main.replace(/[\\/][^\\/]+$/, "");
  const duckdb = require(main);
  arrow = createRequire(main)("apache-arrow");
  const bundles = {
    mvp: { mainModule: `${dist}/duckdb-mvp.wasm`, mainWorker: `${dist}/duckdb-node-mvp.worker.cjs` },
    eh: { mainModule: `${dist}/duckdb-eh.wasm`, mainWorker: `${dist}/duckdb-node-eh.worker.cjs` },
  };
  // The stock Node runtime globs and stats the real file system. Ours only ever sees the
  // buffers registered under /upload/: nothing on disk is listed or probed.
  const decode = (mod: { HEAPU8: Uint8Array }, ptr: number, len: number) =>
    new TextDecoder().decode(mod.HEAPU8.subarray(ptr, ptr + len));
  const runtime = {
    ...duckdb.NODE_RUNTIME,
    // deno-lint-ignore no-explicit-any
    glob: (mod: any, ptr: number, len: number) => {
      const path = decode(mod, ptr >>> 0, len);
      if (registered.has(path)) mod.ccall("duckdb_web_fs_glob_add_path", null, ["string"], [path]);
    },
    // deno-lint-ignore no-explicit-any
    checkFile: (mod: any, ptr: number, len: number) => registered.has(decode(mod, ptr >>> 0, len)),
  };
  return duckdb.createDuckDB(bundles, new duckdb.VoidLogger(), runtime).then(
    // deno-lint-ignore no-explicit-any
    async (instance: any) => {
      await instance.instantiate(() => {});
      db = instance;
      conn = db.connect();
      for (
        const s of [
          // Tables live compressed in memory (dictionary, FSST, ALP, RLE, as on disk): a
          // 1M-row FOCUS table takes 15 MB instead of 229 MB, and scans read less.
          "ATTACH ':memory:' AS store (COMPRESS)",
          "USE store",
          "SET allowed_directories=['/upload/']",
          "SET enable_external_access=false",
          "SET autoinstall_known_extensions=false",
          "SET autoload_known_extensions=false",
          "SET TimeZone='UTC'",
          // Query budgets: DuckDB's own memory (tables and working memory), no spilling (there is
          // no disk here), one thread (WebAssembly has one anyway).
          ...(settings.memoryMb ? [`SET memory_limit='${Math.floor(settings.memoryMb)}MB'`] : []),
          "SET max_temp_directory_size='0B'",
          "SET threads=1",
          // Checkpoints (which compress what was added) come from the engine, between the slices of
          // an upload: an automatic one inside a slice's INSERT doubled that slice's time.
          "SET checkpoint_threshold='1TB'",
          // A checkpoint would also merge neighbouring row groups that fit into fewer (decompressing
          // and compressing them again): the engine's checkpoints leave half-filled ones on purpose
          // (less held uncompressed during a load), and no table here ever deletes rows.
          "SET max_vacuum_tasks=0",
          "SET lock_configuration=true",
        ]
      ) {
        try {
          conn.query(s);
        } catch (e) {
          // TimeZone needs the ICU extension, which may be absent offline: UTC is the default then.
          // A build without temp files or threads has nothing to limit there.
          if (!/TimeZone|max_temp_directory_size|threads/.test(s)) throw e;
        }
      }
      const version = conn.query("SELECT version() AS v").toArray()[0].toJSON().v as string;
      collectGarbageSoon();
      reply({ id: 0, ready: true, ms: performance.now() - t0, version });
    },
  );
}

/**
 * An error's first line, with the line that names the column and value a conversion failed on
 * (DuckDB's CSV errors put it further down): ingest re-types that column.
 */
function firstLine(message: string): string {
  const lines = message.split("\n");
  const detail = lines.slice(1).find((line) =>
    /could not convert|converting column|Expected Number of Columns/i.test(line)
  );
  return (lines[0] + (detail ? ` ${detail.trim()}` : "")).slice(0, 500);
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Bytes DuckDB holds in its buffer manager (tables, indexes, caches). The registered CSV files
 * are outside it. Read around a statement, the difference is what that statement left behind:
 * nothing else runs in this worker meanwhile.
 */
function duckdbMemory(): number {
  const row = conn.query("SELECT COALESCE(SUM(memory_usage_bytes), 0)::DOUBLE AS m FROM duckdb_memory()").toArray()[0];
  return Number(row.toJSON().m);
}

/** Bytes of the WebAssembly heap (it only grows: the engine replaces a worker that grew too much). */
function heapBytes(): number {
  return Number(db?.mod?.HEAPU8?.buffer?.byteLength ?? 0);
}

/**
 * Runs one query under a time and result-size budget. DuckDB executes a pending query in small
 * units of work; between them the deadline is checked and the query cancelled past it, so one
 * slow statement never holds the worker for everyone else. (A single unit that never returns is
 * the engine client's watchdog's to handle: it replaces the worker.)
 */
function budgetedQuery(sql: string, timeoutMs: number, maxBytes: number) {
  const deadline = performance.now() + timeoutMs;
  // deno-lint-ignore no-explicit-any
  return conn.useUnsafe((bindings: any, c: number) => {
    let header = bindings.startPendingQuery(c, sql, false);
    while (header == null) {
      if (performance.now() > deadline) {
        bindings.cancelPendingQuery(c);
        throw new BudgetError(`The query was stopped after ${Math.round(timeoutMs / 1000)} s, the limit per query.`);
      }
      header = bindings.pollPendingQuery(c);
    }
    const batches: Uint8Array[] = [header];
    let bytes = header.byteLength;
    for (;;) {
      // null: not ready yet (a streaming result computes as it is read); empty: the end.
      let batch: Uint8Array | null = null;
      while (batch == null) {
        if (performance.now() > deadline) {
          throw new BudgetError(`The query was stopped after ${Math.round(timeoutMs / 1000)} s, the limit per query.`);
        }
        batch = bindings.fetchQueryResults(c);
      }
      if (batch.length === 0) break;
      bytes += batch.byteLength;
      if (bytes > maxBytes) {
        throw new BudgetError(
          `The query's result is larger than ${Math.round(maxBytes / 1048576)} MB, the limit per query: ` +
            "aggregate it or ask for fewer rows.",
        );
      }
      batches.push(batch);
    }
    return new arrow.Table(arrow.RecordBatchReader.from(batches));
  });
}

/** The only file names DuckDB is given. */
const FILE_NAME = /^\/upload\/[a-z0-9_]+\.csv$/;

/** Drops a table or a view of that name, if there is one. */
function dropRelation(name: string) {
  const kind = conn.query(
    `SELECT table_type FROM information_schema.tables WHERE table_name = '${name.replaceAll("'", "''")}'`,
  ).toArray()[0]?.toJSON().table_type;
  if (kind) conn.query(`DROP ${kind === "VIEW" ? "VIEW" : "TABLE"} ${quoteIdent(name)}`);
}

/**
 * Forgets a file and drops relations over it, then checkpoints: that compresses what was
 * added and, without automatic checkpoints, releases a dropped table's blocks. Returns how much
 * DuckDB's memory changed.
 */
function forget(file: string, relations: string[]): number {
  const before = duckdbMemory();
  unregister(file);
  for (const name of relations) dropRelation(name);
  conn.query("CHECKPOINT");
  return duckdbMemory() - before;
}

/** Rows an INSERT reports (its one `Count` column); 0 for any other statement. */
// deno-lint-ignore no-explicit-any
function insertedRows(table: any): number {
  const fields = table?.schema?.fields ?? [];
  if (fields.length !== 1 || fields[0].name !== "Count" || table.numRows !== 1) return 0;
  return Number(table.getChildAt(0)?.get(0) ?? 0);
}

/** Gives DuckDB a file under `/upload/` (replacing one of that name). */
function register(file: string, bytes: Uint8Array) {
  if (!FILE_NAME.test(file)) throw new Error(`bad file name ${file}`);
  unregister(file);
  db.registerFileBuffer(file, bytes);
  registered.add(file);
}

function unregister(file: string) {
  if (!registered.delete(file)) return;
  db.dropFile(file);
}

function handle(req: EngineRequest): EngineResponse {
  const start = performance.now();
  try {
    switch (req.op) {
      case "register": {
        // DuckDB keeps its own copy in its heap; the caller gets its buffer back at once.
        register(req.file, req.bytes);
        return { id: req.id, ok: true, result: null, ms: performance.now() - start, bytes: req.bytes };
      }
      case "unregister": {
        unregister(req.file);
        return { id: req.id, ok: true, result: null, ms: performance.now() - start };
      }
      case "query": {
        // Structural guard: the text must parse as one query expression inside a subquery, and
        // prepare as exactly one statement. COPY, ATTACH, SET, PRAGMA, INSTALL and stacked
        // statements fail here, whatever comments or quotes hide them.
        try {
          conn.prepare(`SELECT * FROM (\n${req.sql}\n) AS guarded_query LIMIT 0`).close();
        } catch (e) {
          const msg = e instanceof Error ? e.message.split("\n")[0] : String(e);
          return {
            id: req.id,
            ok: false,
            error: `Only one read-only SELECT query is allowed (${msg.slice(0, 200)})`,
            kind: "input",
          };
        }
        // The physical plan (as JSON) instead of rows: which tables and functions a query reads.
        if (req.explain) {
          const plan = arrowToResultSet(conn.query(`EXPLAIN (FORMAT JSON)\n${req.sql}`));
          return { id: req.id, ok: true, result: plan, ms: performance.now() - start };
        }
        let table;
        if (!req.params?.length) {
          table = budgetedQuery(req.sql, req.timeoutMs ?? 15_000, req.maxResultBytes ?? 64 * 1048576);
        } else {
          const stmt = conn.prepare(req.sql);
          try {
            table = stmt.query(...req.params);
          } finally {
            stmt.close();
          }
        }
        return { id: req.id, ok: true, result: arrowToResultSet(table), ms: performance.now() - start };
      }
      case "tokenize": {
        const tokens = db.tokenize(req.sql);
        return { id: req.id, ok: true, result: null, ms: performance.now() - start, tokens };
      }
      case "exec": {
        const before = duckdbMemory();
        conn.query(req.sql);
        return { id: req.id, ok: true, result: null, ms: performance.now() - start, memory: duckdbMemory() - before };
      }
      case "slice": {
        const before = duckdbMemory();
        register(req.file, req.bytes);
        let rows = 0;
        try {
          for (const sql of req.statements) rows += insertedRows(conn.query(sql));
        } finally {
          unregister(req.file);
        }
        // The buffer goes back to the caller for the next slice (DuckDB read its own copy).
        const memory = duckdbMemory() - before;
        return { id: req.id, ok: true, result: null, ms: performance.now() - start, memory, rows, bytes: req.bytes };
      }
      case "release":
        return {
          id: req.id,
          ok: true,
          result: null,
          ms: performance.now() - start,
          memory: forget(req.file, [req.raw]),
        };
      case "drop": {
        const memory = forget(req.file, [req.table, req.view]);
        return { id: req.id, ok: true, result: null, ms: performance.now() - start, memory };
      }
    }
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    // A fatal error invalidates the database: every later call would fail. The engine replaces
    // the worker and loads its datasets again from their stores.
    if (/FATAL Error|database has been invalidated/i.test(message)) {
      const memory = /could not allocate|Out of Memory/i.test(message);
      return {
        id: req.id,
        ok: false,
        error: memory
          ? "The query engine ran out of memory (ENGINE_QUERY_MEMORY_MB) and is restarting."
          : "The query engine failed and is restarting; ask again.",
        kind: "fatal",
      };
    }
    // DuckDB's own limits (memory_limit, no temp space) are budgets too.
    const budget = e instanceof BudgetError || /Out of Memory Error|could not allocate/i.test(message);
    return {
      id: req.id,
      ok: false,
      error: budget && !(e instanceof BudgetError)
        ? "The query needed more memory than the limit per query allows: aggregate it or narrow it."
        : firstLine(message),
      kind: budget ? "budget" : INPUT_ERROR.test(message) ? "input" : "internal",
    };
  }
}

const ready = init().catch((e: unknown) => {
  reply({ id: 0, ready: false, error: e instanceof Error ? e.message : String(e) });
});

self.onmessage = async (ev: MessageEvent<EngineRequest>) => {
  await ready;
  reply(handle(ev.data));
};
