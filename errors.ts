/**
 * The typed errors of FinOps Agent and their one mapping to HTTP.
 *
 * Every module throws one of these; `routes/` never invents a status code of its own.
 * @module
 */

/** Base class: a machine-readable `code`, an HTTP `status` and a message safe to show a client. */
export class AppError extends Error {
  /** HTTP status this error maps to. */
  readonly status: number;
  /** Stable machine-readable code, e.g. `validation_error`. */
  readonly code: string;
  /** Extra headers for the response (e.g. `Retry-After`). */
  readonly headers: Record<string, string>;
  constructor(
    message: string,
    status: number,
    code: string,
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/** Bad input from the client: 400 by default, 422 for well-formed but unprocessable input. */
export class ValidationError extends AppError {
  constructor(message: string, status: 400 | 413 | 415 | 422 = 400, code?: string) {
    super(
      message,
      status,
      code ??
        ({
          400: "validation_error",
          413: "payload_too_large",
          415: "unsupported_media_type",
          422: "unprocessable",
        } as const)[status],
    );
  }
}

/** A resource that does not exist (or that the caller may not see): 404. */
export class NotFoundError extends AppError {
  constructor(message: string) {
    super(message, 404, "not_found");
  }
}

/** Input rejected for safety reasons (forbidden SQL, sandbox escape attempts): 400. */
export class SecurityError extends AppError {
  constructor(message: string) {
    super(message, 400, "security_error");
  }
}

/** No valid credentials (API-key mode): 401 with `WWW-Authenticate`. */
export class AuthError extends AppError {
  constructor(message: string) {
    super(message, 401, "unauthorized", { "WWW-Authenticate": 'Bearer realm="finops-agent"' });
  }
}

/** Too many requests: 429 with `Retry-After` seconds. */
export class RateLimitError extends AppError {
  constructor(message: string, retryAfterSeconds: number) {
    super(message, 429, "rate_limited", { "Retry-After": String(Math.max(1, Math.ceil(retryAfterSeconds))) });
  }
}

/** A write lost to concurrent writers more often than retries allow: 409, try again shortly. */
export class ConflictError extends AppError {
  constructor(message: string) {
    super(message, 409, "conflict", { "Retry-After": "1" });
  }
}

/** The SQL engine failed (bad load, query error): 422 when the input caused it, else 500. */
export class EngineError extends AppError {
  constructor(message: string, status: 422 | 500 | 503 = 500) {
    super(message, status, "engine_error");
  }
}

/**
 * A query stopped by its budget (time, memory or result size): 422, and the engine stays
 * usable for everyone else.
 */
export class QueryBudgetError extends EngineError {
  constructor(message: string) {
    super(message, 422);
  }
}

/** A request for a host this server does not serve (DNS rebinding, misrouted proxies): 421. */
export class HostError extends AppError {
  constructor(message: string) {
    super(message, 421, "misdirected_request");
  }
}

/** The optional LLM failed; callers normally fall back instead of surfacing this: 502. */
export class LlmError extends AppError {
  constructor(message: string) {
    super(message, 502, "llm_error");
  }
}

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: string; message: string; request_id?: string };
}

/**
 * Maps any thrown value to a status and a client-safe body. Unknown errors become a
 * generic 500 so that no stack trace or internal message leaves the server.
 *
 * @example
 * toHttpError(new NotFoundError("no session 'x'")) // → {status: 404, body: {error: {code: "not_found", ...}}}
 */
export function toHttpError(
  err: unknown,
  requestId?: string,
): { status: number; body: ErrorBody; headers: Record<string, string> } {
  if (err instanceof AppError) {
    return {
      status: err.status,
      body: { error: { code: err.code, message: err.message, request_id: requestId } },
      headers: err.headers,
    };
  }
  return {
    status: 500,
    body: { error: { code: "internal_error", message: "Internal server error", request_id: requestId } },
    headers: {},
  };
}

/** The server is shutting down and takes no new work: 503 (the client tries again elsewhere or later). */
export class UnavailableError extends AppError {
  constructor(message: string) {
    super(message, 503, "unavailable");
  }
}
