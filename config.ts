/**
 * Configuration from environment variables, with defaults that work on a fresh machine.
 * @module
 */

/** The app's configuration. */
export interface Config {
  port: number;
  host: string;
  /**
   * Where Deno KV lives: a file path, `:memory:`, a KV Connect URL, or `null` for the runtime's
   * own database (Deno Deploy's managed KV; the default there).
   */
  kvPath: string | null;
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
  /** CSV preloaded into new sessions (default: the bundled one next to the code). */
  samplePath: string;
  /** Groq API key; without it the built-in planner answers everything. */
  groqApiKey: string | null;
  /** Groq model (a tool-calling one). */
  groqModel: string;
  /** Server root of an OpenAI-compatible Groq endpoint (tests point it at a mock). */
  groqBaseUrl: string | null;
  /** Per-request LLM timeout, ms. */
  groqTimeoutMs: number;
  /** Retries on 429/5xx after the first attempt. */
  groqMaxRetries: number;
  /** `auto`: LLM for what rules cannot answer; `always`: LLM first for every data question. */
  llmMode: "auto" | "always";
  /** Tokens one session may spend on the LLM. */
  llmTokenBudget: number;
  /** Bearer keys (API-key mode when non-empty): each key is a client owning its sessions. */
  apiKeys: string[];
  /** Public mode: each browser is an anonymous owner identified by an HttpOnly cookie. */
  publicMode: boolean;
  /** Questions per minute per client (an IP gets five times as many). */
  rateQueriesPerMin: number;
  /** Uploads per minute per client (an IP gets five times as many). */
  rateUploadsPerMin: number;
  /** Sessions created per minute per client (an IP gets five times as many). */
  rateSessionsPerMin: number;
  /** Origins allowed by CORS (none: CORS off). */
  corsOrigins: string[];
  /**
   * Host header values served (`name` or `name:port`). Empty: in local mode the loopback names
   * and `HOST` only (a DNS-rebinding page cannot read sessions); in the other modes any host.
   */
  allowedHosts: string[];
  /** Running on Deno Deploy (`DENO_DEPLOYMENT_ID` set): the platform routes only its own hosts. */
  onDeploy: boolean;
  /** Bearer token for `GET /metrics` (any API key works too in keys mode); null: open unless keys mode. */
  metricsToken: string | null;
  /** Wall-clock limit of one query in a DuckDB worker, in ms; past it the query is stopped (422). */
  queryTimeoutMs: number;
  /** DuckDB's `memory_limit` per worker, in MB (tables and query working memory). */
  queryMemoryMb: number;
  /** Smallest anomaly incident reported, in the data's currency (1 % of an average day at least). */
  anomalyMinImpact: number;
  /** Hosts webhooks may post to (each must also be in the start task's `--allow-net`). */
  webhookHosts: string[];
  /** Whether webhooks may post to loopback and private addresses (tests, an in-house receiver). */
  webhookAllowPrivate: boolean;
  /** Whether `/mcp` is served in public mode (off by default: anonymous browsers are not MCP clients). */
  mcpPublic: boolean;
}

/** Variables the app reads (the `--allow-env` list). */
export const ENV_VARS = [
  "PORT",
  "HOST",
  "FINOPS_KV_PATH",
  // Set by Deno Deploy: the app then listens on all interfaces and uses the platform's KV.
  "DENO_DEPLOYMENT_ID",
  // Read by Deno.openKv for a KV Connect URL.
  "DENO_KV_ACCESS_TOKEN",
  "MAX_UPLOAD_MB",
  "MAX_SESSION_AGE_DAYS",
  "LOG_LEVEL",
  "ENGINE_WORKERS",
  "ENGINE_MEMORY_MB",
  "MAX_QUESTION_CHARS",
  "MAX_ROWS",
  "MAX_COLUMNS",
  "FINOPS_SAMPLE_PATH",
  "GROQ_API_KEY",
  "GROQ_MODEL",
  "GROQ_BASE_URL",
  "GROQ_TIMEOUT_MS",
  "GROQ_MAX_RETRIES",
  "FINOPS_LLM_MODE",
  "LLM_SESSION_TOKEN_BUDGET",
  "FINOPS_API_KEYS",
  "FINOPS_PUBLIC",
  "RATE_LIMIT_QUERIES_PER_MIN",
  "RATE_LIMIT_UPLOADS_PER_MIN",
  "RATE_LIMIT_SESSIONS_PER_MIN",
  "CORS_ORIGINS",
  "ALLOWED_HOSTS",
  "METRICS_TOKEN",
  "ENGINE_QUERY_TIMEOUT_MS",
  "ENGINE_QUERY_MEMORY_MB",
  "ANOMALY_MIN_IMPACT",
  "WEBHOOK_HOSTS",
  "WEBHOOK_ALLOW_PRIVATE",
  "FINOPS_MCP_PUBLIC",
  // Read by groq-sdk itself when present. GROQ_LOG is left out on purpose: at "debug" the SDK
  // logs questions and dataset values; without the permission it reads as unset.
  "GROQ_CUSTOM_HEADERS",
] as const;

/** A yes/no variable: "1", "true" or "yes" (any case) is yes. */
function yes(v: string | undefined): boolean {
  return ["1", "true", "yes"].includes((v ?? "").trim().toLowerCase());
}

/** Parses a number variable: positive by default, or at least zero when `allowZero`. */
function num(v: string | undefined, def: number, name: string, allowZero = false): number {
  if (v === undefined || v === "") return def;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || (n === 0 && !allowZero)) {
    throw new Error(`${name} must be ${allowZero ? "zero or " : ""}a positive number, got '${v}'`);
  }
  return n;
}

function list(v: string | undefined): string[] {
  return (v ?? "").split(",").map((x) => x.trim()).filter(Boolean);
}

/** Reads the configuration from a variable lookup (defaults to `Deno.env.get`). */
export function loadConfig(get: (k: string) => string | undefined = (k) => Deno.env.get(k)): Config {
  const level = (get("LOG_LEVEL") ?? "info").toLowerCase();
  const onDeploy = Boolean(get("DENO_DEPLOYMENT_ID"));
  const kvVar = get("FINOPS_KV_PATH")?.trim();
  return {
    port: num(get("PORT"), 8000, "PORT"),
    host: get("HOST") ?? (onDeploy ? "0.0.0.0" : "127.0.0.1"),
    kvPath: kvVar === "default" ? null : kvVar || (onDeploy ? null : "./.data/finops.kv"),
    maxUploadMb: num(get("MAX_UPLOAD_MB"), 100, "MAX_UPLOAD_MB"),
    maxSessionAgeDays: num(get("MAX_SESSION_AGE_DAYS"), 7, "MAX_SESSION_AGE_DAYS"),
    logLevel: (["debug", "info", "warn", "error"].includes(level) ? level : "info") as Config["logLevel"],
    // One DuckDB per core (at most 4; each costs ~250 MB idle), one on Deno Deploy's 512 MB.
    engineWorkers: Math.floor(
      num(get("ENGINE_WORKERS"), onDeploy ? 1 : Math.min(4, navigator.hardwareConcurrency || 1), "ENGINE_WORKERS"),
    ),
    // Compressed tables plus the file being read; Deploy's 512 MB also hold one idle DuckDB (≈ 250 MB).
    engineMemoryMb: num(get("ENGINE_MEMORY_MB"), onDeploy ? 100 : 300, "ENGINE_MEMORY_MB"),
    maxQuestionChars: num(get("MAX_QUESTION_CHARS"), 2000, "MAX_QUESTION_CHARS"),
    maxRows: num(get("MAX_ROWS"), 5_000_000, "MAX_ROWS"),
    maxColumns: num(get("MAX_COLUMNS"), 1000, "MAX_COLUMNS"),
    // Next to the code, not the working directory: the same file under `deno task start`, a
    // compiled binary (embedded with --include) and Deno Deploy.
    samplePath: get("FINOPS_SAMPLE_PATH") ?? new URL("./data/sample_billing.csv", import.meta.url).pathname,
    groqApiKey: get("GROQ_API_KEY")?.trim() || null,
    groqModel: get("GROQ_MODEL")?.trim() || "llama-3.3-70b-versatile",
    groqBaseUrl: get("GROQ_BASE_URL")?.trim() || null,
    groqTimeoutMs: num(get("GROQ_TIMEOUT_MS"), 20_000, "GROQ_TIMEOUT_MS"),
    groqMaxRetries: Math.floor(num(get("GROQ_MAX_RETRIES"), 2, "GROQ_MAX_RETRIES", true)),
    llmMode: get("FINOPS_LLM_MODE")?.trim().toLowerCase() === "always" ? "always" : "auto",
    llmTokenBudget: num(get("LLM_SESSION_TOKEN_BUDGET"), 200_000, "LLM_SESSION_TOKEN_BUDGET"),
    apiKeys: list(get("FINOPS_API_KEYS")),
    publicMode: yes(get("FINOPS_PUBLIC")),
    rateQueriesPerMin: num(get("RATE_LIMIT_QUERIES_PER_MIN"), 60, "RATE_LIMIT_QUERIES_PER_MIN"),
    rateUploadsPerMin: num(get("RATE_LIMIT_UPLOADS_PER_MIN"), 10, "RATE_LIMIT_UPLOADS_PER_MIN"),
    rateSessionsPerMin: num(get("RATE_LIMIT_SESSIONS_PER_MIN"), 30, "RATE_LIMIT_SESSIONS_PER_MIN"),
    corsOrigins: list(get("CORS_ORIGINS")),
    allowedHosts: list(get("ALLOWED_HOSTS")).map((h) => h.toLowerCase()),
    onDeploy,
    metricsToken: get("METRICS_TOKEN")?.trim() || null,
    queryTimeoutMs: num(get("ENGINE_QUERY_TIMEOUT_MS"), 15_000, "ENGINE_QUERY_TIMEOUT_MS"),
    // Deploy's 512 MB hold one idle DuckDB (≈ 200–250 MB). At 128 MB, the checkpoint that compresses
    // a 1M-row upload's rows ran out of memory (a fatal error that restarts the worker) in one of
    // two bench runs; its transient need, not this limit, is what the isolate has to hold.
    queryMemoryMb: num(get("ENGINE_QUERY_MEMORY_MB"), onDeploy ? 256 : 2048, "ENGINE_QUERY_MEMORY_MB"),
    anomalyMinImpact: num(get("ANOMALY_MIN_IMPACT"), 1, "ANOMALY_MIN_IMPACT", true),
    webhookHosts: (get("WEBHOOK_HOSTS") === undefined ? ["hooks.slack.com"] : list(get("WEBHOOK_HOSTS")))
      .map((h) => h.toLowerCase()),
    webhookAllowPrivate: yes(get("WEBHOOK_ALLOW_PRIVATE")),
    mcpPublic: yes(get("FINOPS_MCP_PUBLIC")),
  };
}
