/**
 * Configuration from environment variables, with defaults that work on a fresh machine.
 * @module
 */

/** The app's configuration. */
export interface Config {
  port: number;
  host: string;
  /** Path of the Deno KV file, or `:memory:`. */
  kvPath: string;
  maxUploadMb: number;
  maxSessionAgeDays: number;
  logLevel: "debug" | "info" | "warn" | "error";
  engineWorkers: number;
  engineMemoryMb: number;
  /** Longest question accepted, in characters. */
  maxQuestionChars: number;
  /** Most rows accepted in one CSV. */
  maxRows: number;
  /** Most columns accepted in one CSV. */
  maxColumns: number;
  /** CSV preloaded into new sessions (path relative to the app). */
  samplePath: string;
}

/** Variables the app reads (the `--allow-env` list). */
export const ENV_VARS = [
  "PORT",
  "HOST",
  "FINOPS_KV_PATH",
  "MAX_UPLOAD_MB",
  "MAX_SESSION_AGE_DAYS",
  "LOG_LEVEL",
  "ENGINE_WORKERS",
  "ENGINE_MEMORY_MB",
  "MAX_QUESTION_CHARS",
  "MAX_ROWS",
  "MAX_COLUMNS",
  "FINOPS_SAMPLE_PATH",
] as const;

function num(v: string | undefined, def: number, name: string): number {
  if (v === undefined || v === "") return def;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got '${v}'`);
  return n;
}

/** Reads the configuration from a variable lookup (defaults to `Deno.env.get`). */
export function loadConfig(get: (k: string) => string | undefined = (k) => Deno.env.get(k)): Config {
  const level = (get("LOG_LEVEL") ?? "info").toLowerCase();
  return {
    port: num(get("PORT"), 8000, "PORT"),
    host: get("HOST") ?? "127.0.0.1",
    kvPath: get("FINOPS_KV_PATH") ?? "./.data/finops.kv",
    maxUploadMb: num(get("MAX_UPLOAD_MB"), 100, "MAX_UPLOAD_MB"),
    maxSessionAgeDays: num(get("MAX_SESSION_AGE_DAYS"), 7, "MAX_SESSION_AGE_DAYS"),
    logLevel: (["debug", "info", "warn", "error"].includes(level) ? level : "info") as Config["logLevel"],
    engineWorkers: num(get("ENGINE_WORKERS"), 1, "ENGINE_WORKERS"),
    engineMemoryMb: num(get("ENGINE_MEMORY_MB"), 300, "ENGINE_MEMORY_MB"),
    maxQuestionChars: num(get("MAX_QUESTION_CHARS"), 2000, "MAX_QUESTION_CHARS"),
    maxRows: num(get("MAX_ROWS"), 5_000_000, "MAX_ROWS"),
    maxColumns: num(get("MAX_COLUMNS"), 1000, "MAX_COLUMNS"),
    samplePath: get("FINOPS_SAMPLE_PATH") ?? "./data/sample_billing.csv",
  };
}
