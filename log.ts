/**
 * Structured JSON logs on stdout/stderr. Never log uploaded data, questions or secrets: only
 * ids, routes, statuses and timings.
 * @module
 */

/** Log levels in increasing severity. */
export type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** A logger that writes one JSON object per line. */
export interface Logger {
  log(level: Level, msg: string, fields?: Record<string, unknown>): void;
}

/** Creates a logger writing at `level` and above; `sink` is injectable for tests. */
export function createLogger(
  level: Level,
  sink: (line: string, level: Level) => void = (
    line,
    l,
  ) => (l === "error" || l === "warn" ? console.error(line) : console.log(line)),
): Logger {
  return {
    log(l, msg, fields = {}) {
      if (ORDER[l] < ORDER[level]) return;
      sink(JSON.stringify({ time: new Date().toISOString(), level: l, msg, ...fields }), l);
    },
  };
}
