/**
 * The LLM client: Groq's OpenAI-compatible chat API through `groq-sdk`, with our own retry
 * policy (backoff on 429/5xx, honouring `Retry-After` up to a cap), a per-request timeout and
 * token accounting. Every failure becomes an {@link LlmError} the caller falls back from.
 *
 * @example
 * const llm = createGroqClient({ apiKey: "gsk_…", model: "llama-3.3-70b-versatile" });
 * const { message, usage } = await llm.chat({ messages: [{ role: "user", content: "hi" }], tools: [] });
 * @module
 */
import Groq from "groq-sdk";
import { LlmError } from "../../errors.ts";

/** A chat message in the OpenAI-compatible format. */
export type ChatMessage = Groq.Chat.ChatCompletionMessageParam;
/** A tool the model may call. */
export type ToolDef = Groq.Chat.ChatCompletionTool;
/** A tool call the model made. */
export type ToolCall = Groq.Chat.ChatCompletionMessageToolCall;

/** Tokens used by one or more calls. */
export interface TokenUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** One model turn. */
export interface ChatResult {
  message: { content: string | null; tool_calls?: ToolCall[] };
  usage: TokenUsage;
  /** Attempts made (1 = no retry). */
  attempts: number;
}

/** What the agent needs from an LLM (the Groq client, or a fake in unit tests). */
export interface LlmClient {
  readonly model: string;
  chat(req: { messages: ChatMessage[]; tools: ToolDef[]; signal?: AbortSignal }): Promise<ChatResult>;
  /** Totals since start, for /metrics. */
  readonly stats: LlmStats;
}

/** Running totals of an LLM client. */
export interface LlmStats {
  calls: number;
  retries: number;
  failures: Record<string, number>;
  prompt_tokens: number;
  completion_tokens: number;
}

/** Options for {@link createGroqClient}. */
export interface GroqOptions {
  apiKey: string;
  model: string;
  /** Server root (the SDK appends `/openai/v1/...`); default Groq's. */
  baseURL?: string | null;
  /** Per-request timeout in ms (default 20 000). */
  timeoutMs?: number;
  /** Retries after the first attempt on 429/5xx (default 2). */
  maxRetries?: number;
  /** Longest `Retry-After` we wait for; a longer one fails at once (default 10 000 ms). */
  maxRetryWaitMs?: number;
  /** Base of the exponential backoff (default 500 ms). */
  backoffMs?: number;
}

/** Reads `Retry-After` (seconds or an HTTP date) or `retry-after-ms`, in ms. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | null {
  const ms = headers?.get("retry-after-ms");
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const ra = headers?.get("retry-after");
  if (!ra) return null;
  if (Number.isFinite(Number(ra))) return Math.max(0, Number(ra) * 1000);
  const date = Date.parse(ra);
  return Number.isFinite(date) ? Math.max(0, date - now) : null;
}

const RETRYABLE = (status: number | undefined) => status === 408 || status === 429 || (status ?? 0) >= 500;

/** Creates the Groq-backed client. */
export function createGroqClient(opts: GroqOptions): LlmClient {
  const sdk = new Groq({
    apiKey: opts.apiKey,
    baseURL: opts.baseURL ?? "https://api.groq.com",
    timeout: opts.timeoutMs ?? 20_000,
    maxRetries: 0, // ours below: capped Retry-After, counted retries
    // Set here so the SDK never reads GROQ_LOG: at "debug" it would log questions and dataset
    // values, and the start task does not allow that variable (reading it would be refused).
    logLevel: "warn",
  });
  const maxRetries = opts.maxRetries ?? 2;
  const maxWait = opts.maxRetryWaitMs ?? 10_000;
  const backoff = opts.backoffMs ?? 500;
  const stats: LlmStats = { calls: 0, retries: 0, failures: {}, prompt_tokens: 0, completion_tokens: 0 };
  const fail = (kind: string, message: string): never => {
    stats.failures[kind] = (stats.failures[kind] ?? 0) + 1;
    throw new LlmError(`${kind}: ${message}`);
  };

  return {
    model: opts.model,
    stats,
    async chat({ messages, tools, signal }) {
      for (let attempt = 1;; attempt++) {
        stats.calls++;
        try {
          const res = await sdk.chat.completions.create(
            {
              model: opts.model,
              messages,
              ...(tools.length ? { tools, tool_choice: "auto" as const } : {}),
              temperature: 0,
              max_tokens: 1500,
            },
            { signal },
          );
          const choice = res.choices?.[0];
          if (!choice?.message) fail("invalid_response", "no message in the response");
          const usage: TokenUsage = {
            prompt_tokens: res.usage?.prompt_tokens ?? 0,
            completion_tokens: res.usage?.completion_tokens ?? 0,
            total_tokens: res.usage?.total_tokens ?? 0,
          };
          stats.prompt_tokens += usage.prompt_tokens;
          stats.completion_tokens += usage.completion_tokens;
          return {
            message: { content: choice.message.content ?? null, tool_calls: choice.message.tool_calls ?? undefined },
            usage,
            attempts: attempt,
          };
        } catch (e) {
          if (e instanceof LlmError) throw e;
          if (e instanceof Groq.APIConnectionTimeoutError) fail("timeout", "the model did not answer in time");
          if (e instanceof Groq.APIUserAbortError || signal?.aborted) fail("aborted", "the turn ran out of time");
          const status = e instanceof Groq.APIError ? e.status : undefined;
          const retryable = e instanceof Groq.APIConnectionError || RETRYABLE(status);
          if (!retryable) fail(`http_${status ?? "error"}`, (e as Error).message.slice(0, 200));
          if (attempt > maxRetries) {
            fail(status === 429 ? "rate_limited" : `http_${status ?? "connection"}`, "retries exhausted");
          }
          const asked = retryAfterMs(e instanceof Groq.APIError ? e.headers as Headers : undefined);
          if (asked !== null && asked > maxWait) fail("rate_limited", `asked to wait ${Math.round(asked / 1000)} s`);
          const wait = asked ?? backoff * 2 ** (attempt - 1) * (1 - Math.random() * 0.25);
          stats.retries++;
          await new Promise((r) => setTimeout(r, wait));
        }
      }
    },
  };
}
