/**
 * Test harness: one warm engine per test module, apps on an in-memory KV.
 * @module
 */
import { type Running, startApp } from "../../bootstrap.ts";
import { type Config, loadConfig } from "../../config.ts";
import type { ResultSet } from "../../analytics/arrow_json.ts";
import { rawViewSql } from "../../analytics/csv_sql.ts";
import { Engine, tableNames } from "../../analytics/engine.ts";
import { ChartRenderer } from "../../analytics/charts/renderer.ts";
import { createLogger } from "../../log.ts";

let shared: Promise<Engine> | null = null;
let sharedRenderer: ChartRenderer | null = null;

/** A warm engine shared by the tests of one module (DuckDB starts once). */
export function sharedEngine(): Promise<Engine> {
  shared ??= Engine.start({ workers: 1, memoryMb: 300 });
  return shared;
}

/**
 * Setup statements that read an attached CSV into the table `tableNames(id).view` exactly as
 * read (ingest's raw view, no billing mapping).
 */
export function plainTableSql(id: string): string[] {
  const { raw, view, file } = tableNames(id);
  return [rawViewSql(`"${raw}"`, file), `CREATE TABLE "${view}" AS SELECT * FROM "${raw}"`];
}

/** Loads CSV text with {@link plainTableSql} and returns its columns (DESCRIBE rows). */
export async function loadTable(engine: Engine, id: string, csv: string): Promise<ResultSet> {
  const { view } = tableNames(id);
  await engine.attach(id, new TextEncoder().encode(csv));
  await engine.setup(id, plainTableSql(id));
  await engine.detach(id);
  return await engine.query(id, `DESCRIBE "${view}"`);
}

/** A chart worker shared by the tests of one module. */
export function sharedCharts(): ChartRenderer {
  sharedRenderer ??= new ChartRenderer();
  return sharedRenderer;
}

/** The path of a fixture. */
export function fixture(name: string): string {
  return new URL(`../fixtures/${name}`, import.meta.url).pathname;
}

/** Starts an app on an in-memory KV (or the given path) with test-friendly config. */
export async function testApp(overrides: Partial<Config> = {}): Promise<Running> {
  const config: Config = {
    ...loadConfig(() => undefined),
    kvPath: ":memory:",
    logLevel: "error",
    samplePath: new URL("../../data/sample_billing.csv", import.meta.url).pathname,
    // Test modules share one address ("unknown" through app.request); rate limits get their own tests.
    rateQueriesPerMin: 100_000,
    rateUploadsPerMin: 100_000,
    rateSessionsPerMin: 100_000,
    ...overrides,
  };
  return await startApp(config, {
    engine: await sharedEngine(),
    charts: sharedCharts(),
    log: createLogger("error", () => {}),
  });
}

/** Options for tests that hold a worker open across tests. */
export const engineTest = { sanitizeOps: false, sanitizeResources: false };

/** JSON request helper for `app.request`. */
export function jsonReq(method: string, body?: unknown): RequestInit {
  return body === undefined
    ? { method }
    : { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}

/** Multipart upload request for `app.request`. */
export function uploadReq(bytes: Uint8Array | string, name = "data.csv", type = "text/csv"): RequestInit {
  const fd = new FormData();
  fd.append("file", new File([bytes as BlobPart], name, { type }));
  return { method: "POST", body: fd };
}

/** Creates a session (with the sample data unless `useSample` is false) and returns its id. */
export async function newSession(app: Running["app"], useSample = true): Promise<string> {
  const r = await app.request(
    "/session/create",
    useSample ? { method: "POST" } : jsonReq("POST", { use_sample: false }),
  );
  return (await r.json()).session_id;
}

/** Asks a question, asserts a 200 and returns the body. */
export async function askOk<T = Record<string, unknown>>(app: Running["app"], id: string, query: string): Promise<T> {
  const r = await app.request(`/session/${id}/query`, jsonReq("POST", { query }));
  const body = await r.json();
  if (r.status !== 200) throw new Error(`"${query}" → ${r.status}: ${JSON.stringify(body)}`);
  return body;
}

/** Lists every KV key (for "nothing changed" assertions); rate-limit counters are not state. */
export async function kvKeys(kv: Deno.Kv): Promise<string[]> {
  const out: string[] = [];
  for await (const e of kv.list({ prefix: [] })) if (e.key[0] !== "ratelimit") out.push(JSON.stringify(e.key));
  return out.sort();
}

/**
 * Waits for the next clock minute when less than `ms` is left of this one: rate limits count
 * per clock minute, so a test of a limit must not straddle two.
 */
export async function untilMinuteHasRoom(ms: number): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < ms) await new Promise((r) => setTimeout(r, left + 50));
}
