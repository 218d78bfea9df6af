/**
 * The HTTP contract: zod schemas that validate requests and generate the OpenAPI document.
 * One source of truth for every request and response shape.
 * @module
 */
import { z } from "@hono/zod-openapi";

/** `{error: {code, message}}`, the body of every error. */
export const ErrorSchema = z.object({
  error: z.object({
    code: z.string().openapi({ example: "not_found" }),
    message: z.string().openapi({ example: "Session 'abc' not found" }),
    request_id: z.string().optional(),
  }),
}).openapi("Error");

/** Path parameter of session routes. */
export const SessionParams = z.object({
  id: z.string().min(1).max(100).openapi({ param: { name: "id", in: "path" }, example: "6f1c2a4e-…" }),
});

/** Body of `POST /session/create` (optional). */
export const CreateSessionBody = z.object({
  use_sample: z.boolean().optional().openapi({
    description: "Preload the bundled sample billing data (default true).",
  }),
}).strict().openapi("CreateSessionRequest");

/** Response of `POST /session/create`. */
export const CreateSessionResponse = z.object({
  session_id: z.string(),
  message: z.string(),
  dataset: z.string().nullable().openapi({ description: "Name of the preloaded dataset, if any." }),
}).openapi("CreateSessionResponse");

const ColumnSchema = z.object({ name: z.string(), type: z.string(), role: z.string() });

/** What the API shows of a dataset. */
export const DatasetSchema = z.object({
  id: z.string(),
  name: z.string(),
  rows: z.number(),
  columns: z.array(ColumnSchema),
  date_range: z.object({ start: z.string(), end: z.string() }).nullable(),
  currency: z.string().nullable(),
  currencies: z.array(z.string()),
  schema: z.string().openapi({ example: "focus-1.0" }),
  schema_label: z.string(),
  schema_confidence: z.number(),
  mapping: z.record(z.string(), z.string()).openapi({ description: "Canonical column → source expression." }),
  cost_bases: z.array(z.string()),
  tags: z.array(z.object({ key: z.string(), variants: z.array(z.string()), rows: z.number() })).openapi({
    description: "Tag keys, normalised (case and spaces folded), with the spellings seen.",
  }),
  quality: z.object({
    rows: z.number(),
    nullCounts: z.record(z.string(), z.number()).openapi({ description: 'Empty or "NULL" values per key column.' }),
    unparsable: z.record(z.string(), z.number()).openapi({
      description: "Values that are not numbers or dates: kept out of sums and counted here.",
    }),
    duplicateRows: z.number(),
    currencies: z.array(z.string()),
    costBases: z.array(z.string()),
    tagKeyVariantsMerged: z.array(z.object({ key: z.string(), variants: z.array(z.string()) })),
    untaggedCostPct: z.number().nullable(),
  }).openapi("QualityReport"),
  shared: z.boolean(),
  mapping_choices: z.array(z.object({
    role: z.string().openapi({ example: "RegionName" }),
    candidates: z.array(z.object({ column: z.string(), filled: z.number().nullable() })).openapi({
      description: "Candidate columns present, with their non-empty values in the sampled rows.",
    }),
    chosen: z.string(),
    why: z.string(),
  })).openapi({ description: "For each role with several candidate columns: which one was used and why." }),
  files: z.array(z.object({
    name: z.string(),
    rows: z.number(),
    total: z.number().nullable().optional().openapi({
      description: "Sum of the file's cost column, as written in the file (rows a later upload replaced included).",
    }),
    periods: z.array(z.string()).openapi({ description: "Billing periods it brought (period · provider · account)." }),
    hash: z.string().openapi({ description: "SHA-256 of the file (the same file sent again changes nothing)." }),
  })).openapi({ description: "The files the dataset is made of: parts of an archive and appended uploads." }),
  basis_notes: z.record(z.string(), z.string()).openapi({
    description: "What a cost basis means in this export when its name alone would mislead (GCP net cost, …).",
  }),
}).openapi("Dataset");

/** Response of `POST /session/{id}/upload-csv`. */
export const UploadResponse = z.object({
  message: z.string(),
  dataset: DatasetSchema,
}).openapi("UploadResponse");

/** Body of `POST /session/{id}/query`. */
export const QueryBody = z.object({
  query: z.string().trim().min(1, "query must not be empty").openapi({ example: "top 5 services last month" }),
}).strict().openapi("QueryRequest");

const CellSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** A result table. */
export const ResultSchema = z.object({
  columns: z.array(z.object({
    name: z.string(),
    type: z.string(),
    kind: z.enum(["money", "percent", "count", "quantity", "score", "date", "text"]).optional().openapi({
      description: "How the values read: money (in the answer's `currency`), percent (in percent units: 55 is " +
        "55%), count, quantity, score, date or text.",
    }),
    label: z.string().optional().openapi({ description: "The column in plain words, e.g. `Service` for ServiceName." }),
  })),
  rows: z.array(z.array(CellSchema)),
}).openapi("Result");

/** The data an answer was computed on. */
export const AnswerDatasetSchema = z.object({ id: z.string(), name: z.string(), rows: z.number() })
  .openapi("AnswerDataset");

/** The data an answer was computed on. */
export type AnswerDataset = z.infer<typeof AnswerDatasetSchema>;

/** A knowledge-base passage cited in an answer. */
export const SourceSchema = z.object({ file: z.string(), heading: z.string() }).openapi("Source");

/** One turn's use of the LLM. */
export const LlmInfoSchema = z.object({
  model: z.string(),
  prompt: z.string().openapi({ description: "Prompt name and version, e.g. `planner@1`." }),
  calls: z.number(),
  attempts: z.number().openapi({ description: "HTTP attempts, retries included." }),
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  total_tokens: z.number(),
  tools: z.array(z.string()),
  narrative: z.enum(["model", "template"]).nullable().openapi({
    description: "Who wrote the text: the model, or our template because the model's numbers did not check out.",
  }),
  rejected_numbers: z.array(z.string()).optional(),
  fallback: z.string().optional().openapi({ description: "Why the built-in planner answered instead." }),
}).openapi("LlmTurn");

/** How the question was read. */
export const ReadingSchema = z.object({
  text: z.string().openapi({ description: "The plan in plain words, one line." }),
  parts: z.array(z.object({
    part: z.string().openapi({ description: "One element of the plan, e.g. `grouped by RegionName`." }),
    from: z.string().openapi({ description: "The words of the question it came from (empty for a default)." }),
  })),
  unused: z.array(z.string()).openapi({
    description: "Content words of the question the answer did not use (the text says so too).",
  }),
}).openapi("Reading");

/** Response of `POST /session/{id}/query`. */
export const QueryResponse = z.object({
  session_id: z.string(),
  response: z.string().openapi({ description: "Answer text (Markdown). Every number comes from `result`." }),
  turn_number: z.number(),
  intent: z.string().openapi({ example: "finops_query" }),
  subagent: z.string().openapi({ example: "data_fetcher" }),
  planner: z.enum(["builtin", "llm"]),
  sql: z.string().nullable().openapi({ description: "The exact SQL that produced the numbers." }),
  result: ResultSchema.nullable(),
  dataset: AnswerDatasetSchema.nullable().openapi({
    description: "The data the answer was computed on (answers before an upload name the data they used).",
  }),
  chart_url: z.string().nullable().openapi({ description: "PNG of the chart, `/charts/{id}.png`, or null." }),
  chart_spec: z.record(z.string(), z.any()).nullable().openapi({
    description: "The chart's Vega-Lite spec with its data inline (render it with vega-embed), or null.",
  }),
  basis: z.string().nullable().openapi({ description: "Cost basis of the numbers: billed, effective or list." }),
  currency: z.string().nullable(),
  plan: z.any().nullable().openapi({ description: "The QueryPlan the question became." }),
  sources: z.array(SourceSchema).nullable().openapi({
    description: "Knowledge-base passages quoted in the answer (`file § heading`), or null.",
  }),
  llm: LlmInfoSchema.nullable().openapi({
    description: "What the LLM did this turn (model, prompt version, tokens, tools, fallback reason); " +
      "null when it was not asked (no GROQ_API_KEY, or the built-in planner answered on its own).",
  }),
  reading: ReadingSchema.nullable().openapi({
    description: "How the question was read: the plan in plain words, the words each part came from, and the " +
      "words not used; null for greetings and knowledge answers.",
  }),
}).openapi("QueryResponse");

/** One message of the history. */
export const MessageSchema = z.object({
  role: z.enum(["user", "assistant"]),
  content: z.string(),
  timestamp: z.string(),
  metadata: z.record(z.string(), z.any()),
}).openapi("Message");

/** Response of `GET /session/{id}/history`. */
export const HistoryResponse = z.object({
  session_id: z.string(),
  history: z.array(MessageSchema),
  total_messages: z.number(),
}).openapi("HistoryResponse");

/** One row of `GET /sessions`. */
export const SessionSummary = z.object({
  session_id: z.string(),
  created_at: z.string(),
  last_activity: z.string(),
  message_count: z.number(),
  has_csv: z.boolean(),
  dataset_name: z.string().nullable(),
}).openapi("SessionSummary");

/** Response of `GET /health`. */
export const HealthResponse = z.object({
  status: z.enum(["healthy", "degraded"]),
  database: z.enum(["connected", "error"]),
  active_sessions: z.number(),
  engine: z.object({
    ready: z.boolean(),
    version: z.string(),
    datasets_loaded: z.number(),
    workers: z.number(),
    restarts: z.number().openapi({
      description: "Workers replaced since start (stuck on a query, or grown too large).",
    }),
    stuck: z.number().openapi({ description: "Workers whose oldest query has run past ENGINE_QUERY_TIMEOUT_MS." }),
    restarting: z.number().openapi({ description: "Workers starting again after a replacement." }),
  }),
  llm: z.object({
    enabled: z.boolean(),
    model: z.string().optional(),
    mode: z.enum(["auto", "always"]).optional(),
    calls: z.number().optional().openapi({ description: "HTTP attempts to the LLM since start." }),
    retries: z.number().optional(),
    failures: z.record(z.string(), z.number()).optional().openapi({ description: "Failures by kind." }),
    prompt_tokens: z.number().optional(),
    completion_tokens: z.number().optional(),
  }).openapi({ description: "The optional LLM: whether it is configured, and its counters since start." }),
}).openapi("HealthResponse");

/** `{message}` responses. */
export const MessageResponse = z.object({ message: z.string() }).openapi("MessageResponse");

/** Standard error responses for the OpenAPI document. */
export function errorResponses(...codes: number[]) {
  const text: Record<number, string> = {
    400: "Malformed request (the field is named in the message)",
    401: "Missing or invalid API key (API-key mode, FINOPS_API_KEYS)",
    404: "Unknown session",
    409: "The session was changed by too many concurrent writers (Retry-After: try again)",
    413: "Upload larger than MAX_UPLOAD_MB",
    415: "Not a CSV file",
    422: "CSV or question that cannot be processed",
    429: "Too many requests (Retry-After says when to try again)",
  };
  // Every route that takes a session can be refused without a key in API-key mode.
  return Object.fromEntries(
    [401, ...codes].map((c) => [c, { description: text[c], content: { "application/json": { schema: ErrorSchema } } }]),
  );
}
