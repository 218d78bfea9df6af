/// <reference lib="deno.worker" />
/**
 * The DuckDB-WASM worker: the only code that touches DuckDB. Runs the blocking build off the
 * request thread. The database is sandboxed before any data arrives: no file system beyond the
 * virtual `/upload/` folder, no extensions, configuration locked.
 * @module
 */
import { createRequire } from "node:module";
import { arrowToResultSet } from "./arrow_json.ts";
import { loadCsvSql, SNIFF_MISS, SNIFF_SAMPLE_ROWS } from "./csv_sql.ts";
import type { EngineRequest, EngineResponse } from "./engine_protocol.ts";

const require = createRequire(import.meta.url);
const t0 = performance.now();

/** Virtual files currently registered (the only paths DuckDB may see). */
const registered = new Set<string>();
// deno-lint-ignore no-explicit-any
let db: any;
// deno-lint-ignore no-explicit-any
let conn: any;

/** Errors DuckDB raises for bad input (as opposed to engine faults). */
const INPUT_ERROR =
  /^(Parser|Binder|Catalog|Conversion|Invalid Input|Permission|Constraint|Out of Range|Not implemented|Dependency) Error|CSV Error|Sniffing|Could not convert|Error when sniffing/i;

function reply(msg: EngineResponse) {
  self.postMessage(msg);
}

function init() {
  const main = require.resolve("@duckdb/duckdb-wasm/dist/duckdb-node-blocking.cjs");
  const dist = main.replace(/[\\/][^\\/]+$/, "");
  const duckdb = require(main);
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
          "SET allowed_directories=['/upload/']",
          "SET enable_external_access=false",
          "SET autoinstall_known_extensions=false",
          "SET autoload_known_extensions=false",
          "SET TimeZone='UTC'",
          "SET lock_configuration=true",
        ]
      ) {
        try {
          conn.query(s);
        } catch (e) {
          // TimeZone needs the ICU extension, which may be absent offline: UTC is the default then.
          if (!s.includes("TimeZone")) throw e;
        }
      }
      const version = conn.query("SELECT version() AS v").toArray()[0].toJSON().v as string;
      reply({ id: 0, ready: true, ms: performance.now() - t0, version });
    },
  );
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function handle(req: EngineRequest): EngineResponse {
  const start = performance.now();
  try {
    switch (req.op) {
      case "load": {
        const file = `/upload/${req.table}.csv`;
        db.registerFileBuffer(file, req.bytes);
        registered.add(file);
        const load = (sampleSize: number) => conn.query(loadCsvSql(quoteIdent(req.table), file, sampleSize));
        try {
          // Types are sniffed from a sample (sniffing the whole file reads it twice: +70% on a
          // 1M-row load). A value the sample did not foresee fails the load rather than becoming
          // NULL, and the whole file is sniffed then.
          try {
            load(SNIFF_SAMPLE_ROWS);
          } catch (e) {
            if (!SNIFF_MISS.test(e instanceof Error ? e.message : String(e))) throw e;
            load(-1);
          }
        } finally {
          registered.delete(file);
          db.dropFile(file);
        }
        const result = arrowToResultSet(conn.query(`DESCRIBE ${quoteIdent(req.table)}`));
        return { id: req.id, ok: true, result, ms: performance.now() - start };
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
        const stmt = conn.prepare(req.sql);
        let table;
        try {
          table = stmt.query(...(req.params ?? []));
        } finally {
          stmt.close();
        }
        return { id: req.id, ok: true, result: arrowToResultSet(table), ms: performance.now() - start };
      }
      case "exec": {
        conn.query(req.sql);
        return { id: req.id, ok: true, result: null, ms: performance.now() - start };
      }
      case "drop": {
        conn.query(`DROP TABLE IF EXISTS ${quoteIdent(req.table)}`);
        return { id: req.id, ok: true, result: null, ms: performance.now() - start };
      }
    }
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return {
      id: req.id,
      ok: false,
      error: message.split("\n")[0].slice(0, 500),
      kind: INPUT_ERROR.test(message) ? "input" : "internal",
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
