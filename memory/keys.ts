/**
 * The Deno KV key layout, written down in one place.
 *
 * ```
 * ["session", id]                   → SessionRecord
 * ["session_by_owner", owner, id]   → true            (listing a client's sessions)
 * ["msg", sessionId, seq]           → StoredMessage   (seq = 0, 1, 2, …)
 * ["entities", sessionId]           → EntityMemory    (last plan, remembered filters)
 * ["dataset", datasetId]            → DatasetMeta     (written last: makes chunks visible)
 * ["dataset_chunk", datasetId, n]   → Uint8Array      (gzip, ≤ 60 KiB)
 * ["dataset_pending", datasetId]    → {createdAt}     (an upload in progress; swept if stale)
 * ["sample_dataset"]                → datasetId       (the bundled sample, shared by sessions)
 * ["chart", chartId]                → ChartMeta
 * ["chart_chunk", chartId, n]       → Uint8Array      (the gzipped Vega-Lite spec, ≤ 60 KiB)
 * ["chart_png", chartId, n]         → Uint8Array      (the PNG, once requested, ≤ 60 KiB)
 * ["chart_by_session", sessionId, chartId] → true   (deleted with the session)
 * ["ratelimit", key, window]        → Deno.KvU64 count (expireIn)
 * ["llm_usage", sessionId]         → Deno.KvU64 tokens the LLM used for the session (budget)
 * ["dismissed", sessionId, incidentId] → {at}       (anomaly incidents not to report again)
 * ["budget", sessionId, budgetId]   → Budget          (monthly budgets, deleted with the session)
 * ["webhook", sessionId]            → Webhook         (where alerts and the digest are posted)
 * ["alert", sessionId, alertKey]    → AlertRecord     (an alert claimed or delivered: never sent twice)
 * ["delivery", sessionId, at, n]    → Delivery        (every delivery attempt's outcome, 30 days)
 * ```
 * Commit order makes crashes harmless: chunks first, the record that makes them visible last.
 * @module
 */

/** Key builders; every KV access goes through these. */
export const keys = {
  session: (id: string) => ["session", id] as const,
  sessionsPrefix: () => ["session"] as const,
  sessionByOwner: (owner: string, id: string) => ["session_by_owner", owner, id] as const,
  sessionsByOwnerPrefix: (owner: string) => ["session_by_owner", owner] as const,
  message: (sessionId: string, seq: number) => ["msg", sessionId, seq] as const,
  messagesPrefix: (sessionId: string) => ["msg", sessionId] as const,
  entities: (sessionId: string) => ["entities", sessionId] as const,
  dataset: (id: string) => ["dataset", id] as const,
  datasetChunk: (id: string, n: number) => ["dataset_chunk", id, n] as const,
  datasetChunksPrefix: (id: string) => ["dataset_chunk", id] as const,
  datasetPending: (id: string) => ["dataset_pending", id] as const,
  datasetPendingPrefix: () => ["dataset_pending"] as const,
  sampleDataset: () => ["sample_dataset"] as const,
  chart: (id: string) => ["chart", id] as const,
  chartChunk: (id: string, n: number) => ["chart_chunk", id, n] as const,
  chartChunksPrefix: (id: string) => ["chart_chunk", id] as const,
  chartPngChunk: (id: string, n: number) => ["chart_png", id, n] as const,
  chartPngChunksPrefix: (id: string) => ["chart_png", id] as const,
  chartBySession: (sessionId: string, id: string) => ["chart_by_session", sessionId, id] as const,
  chartsBySessionPrefix: (sessionId: string) => ["chart_by_session", sessionId] as const,
  rateLimit: (key: string, window: number) => ["ratelimit", key, window] as const,
  llmUsage: (sessionId: string) => ["llm_usage", sessionId] as const,
  dismissed: (sessionId: string, incidentId: string) => ["dismissed", sessionId, incidentId] as const,
  dismissedPrefix: (sessionId: string) => ["dismissed", sessionId] as const,
  budget: (sessionId: string, id: string) => ["budget", sessionId, id] as const,
  budgetsPrefix: (sessionId: string) => ["budget", sessionId] as const,
  webhook: (sessionId: string) => ["webhook", sessionId] as const,
  webhooksPrefix: () => ["webhook"] as const,
  alert: (sessionId: string, alertKey: string) => ["alert", sessionId, alertKey] as const,
  alertsPrefix: (sessionId: string) => ["alert", sessionId] as const,
  delivery: (sessionId: string, at: string, n: string) => ["delivery", sessionId, at, n] as const,
  deliveriesPrefix: (sessionId: string) => ["delivery", sessionId] as const,
};

/** Largest chunk written to KV (a KV value is at most 64 KiB). */
export const CHUNK_BYTES = 60 * 1024;

/** Chunks written per atomic commit (a commit carries at most ~800 KiB). */
export const CHUNKS_PER_COMMIT = 10;
