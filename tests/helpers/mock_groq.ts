/**
 * A scripted stand-in for Groq's OpenAI-compatible chat API on 127.0.0.1: each request gets the
 * next scripted reply (a body, an HTTP error, or a delay), and every request is recorded.
 * @module
 */

/** A request as the mock received it. */
export interface RecordedRequest {
  at: number;
  path: string;
  authorization: string | null;
  // deno-lint-ignore no-explicit-any
  body: any;
}

/** One scripted reply. */
export interface MockReply {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Wait before answering (to exceed the client's timeout). */
  delayMs?: number;
}

/** A reply, or a function of the request (to write an answer from the rows the app sent). */
export type Scripted = MockReply | ((req: RecordedRequest) => MockReply);

/** Tokens reported per completion. */
export const USAGE = { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 };

let callSeq = 0;

/** A completion that calls tools: `toolCalls(["make_plan", {...}], ...)`. */
export function toolCalls(...calls: [string, unknown][]): MockReply {
  return {
    body: completion({
      role: "assistant",
      content: null,
      tool_calls: calls.map(([name, args]) => ({
        id: `call_${++callSeq}`,
        type: "function",
        function: { name, arguments: typeof args === "string" ? args : JSON.stringify(args) },
      })),
    }, "tool_calls"),
  };
}

/** A completion with final text. */
export function text(content: string): MockReply {
  return { body: completion({ role: "assistant", content }, "stop") };
}

/** An HTTP error reply in the OpenAI error format. */
export function httpError(status: number, headers: Record<string, string> = {}): MockReply {
  return { status, headers, body: { error: { message: `mock error ${status}`, type: "mock" } } };
}

function completion(message: unknown, finish: string) {
  return {
    id: `chatcmpl-${callSeq}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: "mock-model",
    choices: [{ index: 0, message, finish_reason: finish }],
    usage: USAGE,
  };
}

/** The last tool message the app sent, parsed (with `withRows`, the last one that has rows). */
// deno-lint-ignore no-explicit-any
export function lastToolResult(req: RecordedRequest, withRows = false): any {
  const results = req.body.messages
    // deno-lint-ignore no-explicit-any
    .filter((m: any) => m.role === "tool")
    // deno-lint-ignore no-explicit-any
    .map((m: any) => JSON.parse(m.content));
  // deno-lint-ignore no-explicit-any
  return results.reverse().find((r: any) => !withRows || Array.isArray(r.rows)) ?? null;
}

/** The mock server. */
export interface MockGroq {
  /** Server root to give the client as `baseURL`. */
  url: string;
  requests: RecordedRequest[];
  /** Replaces the script (and clears the recorded requests). */
  script(...replies: Scripted[]): void;
  /** Replies not used yet. */
  remaining(): number;
  close(): Promise<void>;
}

/** Starts the mock on a free port of 127.0.0.1. */
export function startMockGroq(): MockGroq {
  let queue: Scripted[] = [];
  const requests: RecordedRequest[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const rec: RecordedRequest = {
      at: performance.now(),
      path: url.pathname,
      authorization: req.headers.get("authorization"),
      body: await req.json().catch(() => null),
    };
    requests.push(rec);
    if (url.pathname !== "/openai/v1/chat/completions") {
      return Response.json({ error: { message: "not found" } }, { status: 404 });
    }
    const next = queue.shift();
    if (!next) return Response.json({ error: { message: "script exhausted" } }, { status: 400 });
    const r = typeof next === "function" ? next(rec) : next;
    if (r.delayMs) await new Promise((res) => setTimeout(res, r.delayMs));
    return Response.json(r.body ?? {}, { status: r.status ?? 200, headers: r.headers });
  });
  const addr = server.addr as Deno.NetAddr;
  return {
    url: `http://127.0.0.1:${addr.port}`,
    requests,
    script(...replies) {
      queue = replies;
      requests.length = 0;
    },
    remaining: () => queue.length,
    close: () => server.shutdown(),
  };
}
