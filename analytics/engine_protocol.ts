/**
 * Messages between the engine client (main thread) and the DuckDB worker.
 * @module
 */
import type { ResultSet } from "./arrow_json.ts";

/** A parameter bound to a `?` placeholder. */
export type SqlParam = string | number | boolean | null;

/** Requests the main thread sends to the worker. */
export type EngineRequest =
  | { id: number; op: "register"; file: string; bytes: Uint8Array }
  | { id: number; op: "unregister"; file: string }
  | {
    id: number;
    op: "query";
    sql: string;
    params?: SqlParam[];
    explain?: boolean;
    /** Wall-clock budget: the query is cancelled between DuckDB's work units past it. */
    timeoutMs?: number;
    /** Largest result (Arrow IPC bytes) sent back; a larger one is refused. */
    maxResultBytes?: number;
  }
  | { id: number; op: "tokenize"; sql: string }
  | { id: number; op: "exec"; sql: string }
  | { id: number; op: "drop"; table: string; view: string; file: string }
  /** Registers a slice of CSV as `file`, runs `statements` over it, forgets the file (one round trip). */
  | { id: number; op: "slice"; file: string; bytes: Uint8Array; statements: string[] }
  /** Forgets `file`, drops the relation `raw` (table or view), then checkpoints (compresses what was added). */
  | { id: number; op: "release"; file: string; raw: string };

/** Replies the worker sends back; `id` 0 with `ready` announces a warm engine. */
export type EngineResponse =
  | {
    id: number;
    ok: true;
    result: ResultSet | null;
    ms: number;
    bytes?: Uint8Array;
    /** For exec, drop, slice and release: how many bytes DuckDB's own memory grew (negative: shrank) meanwhile. */
    memory?: number;
    /** For slice: rows its statements inserted. */
    rows?: number;
    /** Bytes of the worker's WebAssembly heap after the call (it never shrinks). */
    heap?: number;
    /** For tokenize: DuckDB's tokens (start offsets and types). */
    tokens?: { offsets: number[]; types: number[] };
  }
  | { id: number; ok: false; error: string; kind: "input" | "internal" | "budget" | "fatal"; heap?: number }
  | { id: 0; ready: true; ms: number; version: string }
  | { id: 0; ready: false; error: string };

/** A request before the client assigns its id. */
export type EngineCall = EngineRequest extends infer R ? R extends unknown ? Omit<R, "id"> : never : never;
